#!/bin/sh
# Cortex-M4 -Os flash and RAM of the Shielded Connection: the library core built with the layer
# compiled in and out (CMake TRUSTM_SHIELD), the mbedTLS ops adapter, and the RAM of the
# caller-owned trustm_shield_t. Needs arm-none-eabi-gcc (scripts/deps.sh cross).
set -eu
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    echo "arm-none-eabi-gcc not installed: skipped (scripts/deps.sh cross)"
    exit 0
fi
total() {
    arm-none-eabi-size -t $(find "$1/src" -name 'libtrustm*.a' | sort) | awk '/TOTALS/ { print $1 }'
}
for v in ON OFF; do
    dir=build-arm-shield-$v
    cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake -DCMAKE_BUILD_TYPE=MinSizeRel \
          -DTRUSTM_CORE_ONLY=ON -DTRUSTM_SHIELD=$v >/dev/null
    cmake --build "$dir" -j2 >/dev/null
done
on=$(total build-arm-shield-ON)
off=$(total build-arm-shield-OFF)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/trustm-size.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf '#include "trustm/trustm_shield.h"\nint shield_size = sizeof(trustm_shield_t);\n' > "$tmp/s.c"
ram=$(arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -Iinclude -S -o - "$tmp/s.c" | awk '/^shield_size:/ { getline; print $2 }')
adapter=-
if arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -Os -ffunction-sections -Iinclude -Icrypto -idirafter /usr/include \
       -c crypto/trustm_shield_mbedtls.c -o "$tmp/a.o" 2>/dev/null; then
    adapter=$(arm-none-eabi-size "$tmp/a.o" | awk 'NR == 2 { print $1 }')
fi
echo "Cortex-M4 (-mcpu=cortex-m4 -mthumb -Os), library core (src/), bytes of code + rodata:"
printf '  %-52s %7s\n' "Shielded Connection compiled out (TRUSTM_SHIELD=OFF)" "$off"
printf '  %-52s %7s  (+%s)\n' "compiled in, crypto excluded (ops table only)" "$on" "$((on - off))"
printf '  %-52s %7s\n' "mbedTLS ops adapter (crypto/, without mbedTLS itself)" "$adapter"
echo "  crypto included = the above + the platform's AES-128, CCM, SHA-256/HMAC code (mbedTLS:"
echo "  aes, ccm, md, sha256; not cross-built here: Debian ships mbedTLS for the host only)."
echo "RAM: trustm_shield_t (caller-owned, static or stack) $ram bytes; trustm_device_t unchanged;"
echo "  stack while deriving keys: the secret (64), PRF work buffers in the ops table."
