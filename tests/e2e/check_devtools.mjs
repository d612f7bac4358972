// Reads a Trace Event Format file with Chrome DevTools' own trace engine
// (npm @paulirish/trace_engine, the performance panel's parser) and
// prints what the panel would have to draw, as one JSON object: the
// trace's time bounds, each process with its name and its threads
// (name, entries), and the flows with the slices each binds.
//
// usage: node check_devtools.mjs ENGINE_DIR FILE
import fs from 'node:fs';

const [engineDir, file] = process.argv.slice(2);
// The engine measures with DOMRect, which Node does not have.
globalThis.DOMRect = class {
  constructor(x = 0, y = 0, width = 0, height = 0) {
    Object.assign(this, {x, y, width, height});
  }
};
const Trace = await import(engineDir + '/models/trace/trace.js');
const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
const model = Trace.TraceModel.Model.createWithAllHandlers();
await model.parse(doc.traceEvents ?? doc);
const data = model.parsedTrace(0).data;
const names = data.Meta.processNames;
const out = {
  bounds: data.Meta.traceBounds,
  generic: data.Meta.traceIsGeneric,
  processes: [],
  flows: data.Flows.flows.map(f => f.map(e => ({name: e.name, ph: e.ph, pid: e.pid, tid: e.tid, ts: e.ts}))),
};
for (const [pid, proc] of data.Renderer.processes) {
  const threads = [];
  for (const [tid, t] of proc.threads)
    threads.push({tid, name: t.name ?? null, entries: t.entries.length,
                  roots: t.tree ? t.tree.roots.size : 0});
  out.processes.push({pid, name: names.get(pid)?.args?.name ?? null, threads});
}
console.log(JSON.stringify(out));
