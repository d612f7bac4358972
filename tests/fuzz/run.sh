#!/bin/sh
# make fuzz: each harness under libFuzzer (clang) for FUZZ_SECONDS
# (default 60), from a seed corpus made here from real inputs. A crash
# leaves its input in build/fuzz/; copy it into tests/fuzz/regressions/NAME/
# and `make check` replays it from then on.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$root/build}
out=$build/fuzz
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)"; exit 1; }
mkdir -p "$out"
srcs_view=$(ls "$root"/viewer/*/*.c)
srcs_pol=$(ls "$root"/preload/policy/*.c)
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -I$root/include -I$root/viewer -fsanitize=fuzzer,address,undefined"
for name in wire trace policy elf; do
	# shellcheck disable=SC2086
	clang $cflags -o "$out/fuzz_$name" "$root/tests/fuzz/fuzz_$name.c" $srcs_view \
		$srcs_pol "$build/viewer/out/page_html.c" -lelf -lm
done
# The stream sniffers are pure code of the preload's, alone.
# shellcheck disable=SC2086
clang $cflags -I"$root/preload" -o "$out/fuzz_sniff" "$root/tests/fuzz/fuzz_sniff.c" "$root"/preload/sniff_*.c

# Seeds: real traces, batches cut from them, the sample policies, ELF files.
mkdir -p "$out/seed/wire" "$out/seed/trace" "$out/seed/policy" "$out/seed/elf"
# Sniffer seeds: real captures on loopback, kept in the tree.
rm -rf "$out/seed/sniff"
cp -r "$root/tests/fuzz/seeds/sniff" "$out/seed/sniff"
"$build/socklens" run -q -o "$out/seed/trace/fork" -- sh "$root/samples/fork_scenario.sh" \
	"$build/samples" >/dev/null 2>&1
"$build/socklens" run -q -o "$out/seed/trace/epoll" -- sh "$root/samples/epoll_scenario.sh" \
	"$build/samples" "" 3 >/dev/null 2>&1
"$build/socklens" run -q -o "$out/seed/trace/policy" -p "$root/tests/e2e/policies/sockopts.conf" \
	-- "$build/samples/sockopts" >/dev/null 2>&1
python3 - "$out/seed/trace/epoll" "$out/seed/wire" "$root/tests/helpers" <<'PY'
import sys
sys.path.insert(0, sys.argv[3])
from tracefile import frames, plain
b = open(sys.argv[1], "rb").read()
for n, (_, p) in enumerate(frames(b)):
    if n == 40:
        break
    open("%s/batch%d" % (sys.argv[2], n), "wb").write(p)
# The trace reader's seeds: packed (as written) and plain.
open(sys.argv[1] + "-plain", "wb").write(plain(b))
PY
cp "$root"/samples/policies/*.conf "$root"/tests/e2e/policies/*.conf "$out/seed/policy/"
cp "$build/samples/named_callers" "$build/samples/tail_call" \
	"$build/tests/helpers/errno_check" "$out/seed/elf/"
for name in wire trace policy elf sniff; do
	mkdir -p "$out/corpus/$name"
	echo "fuzz: $name for ${secs}s"
	(cd "$out" && "./fuzz_$name" -max_total_time="$secs" -max_len=65536 \
		-print_final_stats=1 "corpus/$name" "seed/$name" 2>&1 | tail -n 12)
done
