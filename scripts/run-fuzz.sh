#!/bin/sh
# Run every libFuzzer target in BUILD/tests/fuzz for SECONDS each (bounded, for CI).
set -eu
build=${1:-build-fuzz}
secs=${2:-15}
found=0
for t in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    found=1
    name=$(basename "$t")
    corpus="$build/tests/fuzz/corpus-$name"
    mkdir -p "$corpus"
    echo "fuzz: $name for ${secs}s"
    "$t" -max_total_time="$secs" -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY' || true
    # libFuzzer exits non-zero on a crash; re-run the check explicitly on the status.
    "$t" -runs=0 "$corpus" >/dev/null 2>&1 || { echo "fuzz: $name failed on its corpus" >&2; exit 1; }
done
[ $found -eq 1 ] || { echo "fuzz: no fuzz targets built" >&2; exit 1; }
