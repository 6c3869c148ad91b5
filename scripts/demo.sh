#!/bin/sh
# make demo: a simulated OPTIGA Trust M2 ID2 end to end.
#  1. create a new simulated chip (state file)
#  2. start the simulator daemon on a UNIX socket, recording a bus trace
#  3. talk to it with the trustm CLI over the socket port (the same code path as a real chip)
#  4. decode the recorded bus trace
#  5. stop the daemon (its state is saved crash-safely)
set -eu
build=${1:-build}
sim="$build/sim/trustm-sim"
cli="$build/tools/trustm/trustm"
for b in "$sim" "$cli"; do
    [ -x "$b" ] || { echo "demo: $b not built (run 'make build')" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/trustm-demo.XXXXXX")
state="$work/chip.state"
sock="$work/trustm.sock"
trace="$work/bus.trace"
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. a new simulated chip"
echo "\$ trustm-sim init --state chip.state --seed 2026"
"$sim" init --state "$state" --seed 2026

step "2. the simulator daemon (virtual clock, datasheet timing, 400 kHz, bus trace on)"
echo "\$ trustm-sim serve --state chip.state --socket trustm.sock --trace bus.trace &"
"$sim" serve --state "$state" --socket "$sock" --trace "$trace" &
pid=$!
i=0
while [ ! -S "$sock" ]; do
    i=$((i + 1))
    [ $i -le 100 ] || { echo "demo: daemon did not start" >&2; exit 1; }
    kill -0 "$pid" 2>/dev/null || { echo "demo: daemon exited" >&2; exit 1; }
    sleep 0.05
done

step "3. trustm info over the socket port"
echo "\$ TRUSTM_DEVICE=socket:trustm.sock trustm info"
TRUSTM_DEVICE="socket:$sock" "$cli" info

step "4. the bus trace of that session, decoded (first 40 events)"
echo "\$ trustm trace --no-sleep bus.trace | head -40"
"$cli" trace --no-sleep "$trace" | head -40

step "5. stop the daemon"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
echo "\$ trustm --device sim:chip.state info   # the same chip, in-process, after the daemon is gone"
"$cli" --device "sim:$state" info | head -3
echo
echo "demo: done"
