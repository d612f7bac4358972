// Node.js (libuv) for the oracle: a net echo server and three clients,
// an HTTP server and a keep-alive client making three requests on one
// connection, a connection refused, and dns.lookup of localhost; a child
// process whose stdout is a socketpair (libuv's pipes); then it writes a
// file, on an fd number a socket had. Usage: node_net.js DIR
'use strict';
const net = require('net');
const http = require('http');
const dns = require('dns');
const fs = require('fs');
const path = require('path');
const child = require('child_process');

function echo(done) {
	const srv = net.createServer((c) => c.pipe(c));
	srv.listen(0, '127.0.0.1', () => {
		const port = srv.address().port;
		let left = 3;
		for (let i = 0; i < 3; i++) {
			const c = net.connect(port, '127.0.0.1', () => c.end('hello ' + i + '\n'));
			c.on('data', () => {});
			c.on('close', () => { if (--left === 0) srv.close(done); });
		}
	});
}

function keepalive(done) {
	const srv = http.createServer((req, res) => res.end('ok ' + req.url + '\n'));
	srv.listen(0, '127.0.0.1', () => {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		const port = srv.address().port;
		let n = 0;
		const next = () => {
			if (n === 3) {
				agent.destroy();
				srv.close(done);
				return;
			}
			http.get({ host: '127.0.0.1', port, path: '/' + n++, agent }, (res) => {
				res.resume();
				res.on('end', next);
			});
		};
		next();
	});
}

function refused(done) {
	const c = net.connect(1, '127.0.0.1');
	c.on('error', () => done());
}

dns.lookup('localhost', (err, addr) => {
	if (err) throw err;
	echo(() => keepalive(() => refused(() => {
		child.spawnSync('echo', ['child']);
		fs.writeFileSync(path.join(process.argv[2], 'node.out'), Buffer.alloc(65536));
		console.log('node done');
	})));
});
