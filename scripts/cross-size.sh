#!/bin/sh
# Cross-compile the library core (src/) for Cortex-M4 with -Os and print its size.
# Also checks that the core references no heap or stdio functions, and that it builds
# warning-free with every compile-time option off (src/common/trustm_config.h; <dir>-minimal).
set -eu
dir=${1:-build-arm}
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
      -DCMAKE_BUILD_TYPE=MinSizeRel -DTRUSTM_CORE_ONLY=ON >/dev/null
cmake --build "$dir" -j2 >/dev/null
libs=$(find "$dir/src" -name 'libtrustm*.a' | sort)
echo "Cortex-M4 (-mcpu=cortex-m4 -mthumb -Os) size of the library core:"
arm-none-eabi-size -t $libs | awk '{ sub(".*/", "", $6); print }'
min="$dir-minimal"
opts="-DTRUSTM_RESET_PINS=OFF -DTRUSTM_RESET_SOFT=OFF -DTRUSTM_PAL_XFER=OFF -DTRUSTM_STATS=OFF -DTRUSTM_SHIELD=OFF"
# shellcheck disable=SC2086
cmake -S . -B "$min" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
      -DTRUSTM_CORE_ONLY=ON -DTRUSTM_WERROR=ON $opts >/dev/null
cmake --build "$min" -j2 >/dev/null
libs_min=$(find "$min/src" -name 'libtrustm*.a' | sort)
# shellcheck disable=SC2086
echo "minimal configuration ($opts): $(arm-none-eabi-size -t $libs_min | awk 'END { print $1 + $2 }') B text + data"
libs="$libs $libs_min"
forbidden='malloc|calloc|realloc|free|printf|fprintf|puts|fopen|fwrite|sleep|usleep|nanosleep|clock_gettime|time'
bad=$(arm-none-eabi-nm -u $libs 2>/dev/null | awk '{print $2}' | grep -Ex "$forbidden" | sort -u || true)
if [ -n "$bad" ]; then
    echo "cross-size: the library core references forbidden symbols: $bad" >&2
    exit 1
fi
echo "cross-size: no heap, stdio or OS calls referenced by src/"
