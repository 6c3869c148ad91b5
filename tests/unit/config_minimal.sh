#!/bin/sh
# ctest config_minimal: the library with every compile-time option of src/common/trustm_config.h
# off (TRUSTM_RESET_PINS, TRUSTM_RESET_SOFT, TRUSTM_PAL_XFER, TRUSTM_STATS; TRUSTM_SHIELD off too)
# builds warning-free (-Werror) and unit_config passes in it.
#   tests/unit/config_minimal.sh <source dir> <work dir> <C compiler>
set -eu
src=$1 bin=$2 cc=$3
cmake -S "$src" -B "$bin" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" -DTRUSTM_WERROR=ON \
    -DTRUSTM_RESET_PINS=OFF -DTRUSTM_RESET_SOFT=OFF -DTRUSTM_PAL_XFER=OFF -DTRUSTM_STATS=OFF \
    -DTRUSTM_SHIELD=OFF >"$bin.configure.log" 2>&1 || { tail -20 "$bin.configure.log"; exit 1; }
cmake --build "$bin" -j2 --target trustm unit_config >"$bin.build.log" 2>&1 || { tail -40 "$bin.build.log"; exit 1; }
ctest --test-dir "$bin" -R '^unit_config$' --output-on-failure
