# Shared by the scenario scripts: a scratch directory, and waiting for a
# server to write its port file.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# wait_port NAME: waits (5 s at most) for $dir/port, then prints the port.
wait_port() {
	i=0
	while [ ! -s "$dir/port" ]; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "$1 did not start" >&2; exit 1; }
		sleep 0.01
	done
	cat "$dir/port"
}
