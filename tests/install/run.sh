#!/usr/bin/env bash
# Install trustm from a build tree into a temporary prefix, then build a small external program
# (tests/install/consumer.c, and engine_consumer.c which drives the device engine with its own
# event loop) against it twice -- with find_package(trustm) and with
# pkg-config -- and run both against a simulator daemon on a factory-fresh chip.
#   tests/install/run.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/trustm bin/trustm-sim bin/trustm-protupd include/trustm/trustm.h lib/pkgconfig/trustm.pc \
         lib/cmake/trustm/trustmConfig.cmake share/man/man1/trustm.1 share/bash-completion/completions/trustm; do
    [ -e "$prefix/$f" ] || { echo "install: $f missing" >&2; exit 1; }
done
ls "$prefix"/lib/libtrustm.so.* >/dev/null

# The simulator, served on a socket in the temporary folder.
"$prefix/bin/trustm-sim" init --state "$tmp/chip.state" --seed 5 >/dev/null
"$prefix/bin/trustm-sim" serve --state "$tmp/chip.state" --socket "$tmp/sim.sock" --timing none &
daemon=$!
for _ in $(seq 100); do [ -S "$tmp/sim.sock" ] && break; sleep 0.05; done

# 1. find_package(trustm)
cmake -S "$here/project" -B "$tmp/b1" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$tmp/b1" >/dev/null
LD_LIBRARY_PATH=$prefix/lib "$tmp/b1/consumer" "$tmp/sim.sock"
# the device engine driven by the program's own event loop (trustm_op_next_io / _io_done)
LD_LIBRARY_PATH=$prefix/lib "$tmp/b1/engine_consumer" "$tmp/sim.sock"

# 2. pkg-config
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cc -o "$tmp/consumer-pc" "$here/consumer.c" $(pkg-config --cflags --libs trustm-pal-socket trustm)
LD_LIBRARY_PATH=$prefix/lib "$tmp/consumer-pc" "$tmp/sim.sock"
cc -Wall -Wextra -Werror -o "$tmp/engine-pc" "$here/engine_consumer.c" $(pkg-config --cflags --libs trustm-pal-socket trustm)
LD_LIBRARY_PATH=$prefix/lib "$tmp/engine-pc" "$tmp/sim.sock"
echo "install test: find_package and pkg-config consumers (blocking API and own engine loop) built and ran"
