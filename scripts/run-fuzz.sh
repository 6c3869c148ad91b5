#!/bin/sh
# Run every libFuzzer target in BUILD/tests/fuzz for SECONDS each and print one table row per
# target: executions, coverage (cov / ft as libFuzzer counts them), corpus size, result.
# Seeds: tests/fuzz/seeds/<target>/ (in the repo) and, when ../shared is present, the spec
# vectors chosen by scripts/fuzz-seeds.sh.  A crash, leak or sanitizer report fails the run
# (UBSan is compiled non-recoverable; halt_on_error is set as well); the reproducer is kept in
# BUILD/fuzz-artifacts/.
# Usage: run-fuzz.sh BUILD SECONDS [TARGET...]
set -u
build=${1:-build-fuzz}
secs=${2:-15}
shift 2 2>/dev/null || shift $#
here=$(cd "$(dirname "$0")/.." && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
art="$build/fuzz-artifacts"
mkdir -p "$art"
targets=$*
[ -n "$targets" ] || targets=$(for t in "$build"/tests/fuzz/fuzz_*; do [ -x "$t" ] && basename "$t"; done)
[ -n "$targets" ] || { echo "fuzz: no fuzz targets built" >&2; exit 1; }
failed=0
printf '%-20s %8s %12s %8s %8s %8s  %s\n' target seconds executions cov ft corpus result
for name in $targets; do
    t="$build/tests/fuzz/$name"
    corpus="$build/tests/fuzz/corpus-$name"
    mkdir -p "$corpus"
    sh "$here/scripts/fuzz-seeds.sh" "$name" "$corpus" 2>/dev/null || true
    if [ "$name" = fuzz_sim_state ] && [ -x "$build/sim/trustm-sim" ] && [ ! -f "$corpus/seed-state" ]; then
        "$build/sim/trustm-sim" init --state "$corpus/seed-state" >/dev/null 2>&1
        rm -f "$corpus/seed-state.lock"
    fi
    [ -d "$here/tests/fuzz/seeds/$name" ] && cp -n "$here/tests/fuzz/seeds/$name"/* "$corpus"/ 2>/dev/null
    log="$art/$name.log"
    "$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art/$name-" "$corpus" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    files=$(ls "$corpus" | wc -l)
    result=ok
    if [ $rc -ne 0 ] || grep -q -E 'runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
        result="FAILED (rc $rc, see $log)"
        failed=1
    fi
    printf '%-20s %8s %12s %8s %8s %8s  %s\n' "$name" "$secs" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$files" "$result"
done
[ $failed -eq 0 ] || { echo "fuzz: a target failed; reproducers in $art" >&2; exit 1; }
