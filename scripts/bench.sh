#!/bin/sh
# make bench: print the benchmark figures (they never pass or fail on time).
set -eu
build=${1:-build}
echo "== wire: OpenApplication + read UID"
"$build/bench/bench_wire"
