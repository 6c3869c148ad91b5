#!/bin/sh
# Footprint, RAM and worst-case stack of the five-call program (issue 11) on Cortex-M4.
#   scripts/footprint.sh [build]      (also section 5c of make bench)
# Cross-builds the library core (CMake, cmake/arm-none-eabi.cmake, MinSizeRel) with and without
# TRUSTM_SHIELD, links bench/footprint (main.c: five calls and a minimal PAL; board.c: the board
# functions, counted apart) with --gc-sections and nano.specs, and reads the map file, the
# symbol sizes and gcc's call-graph files (-fstack-usage -fcallgraph-info=su). Prints the figures
# and writes them as JSON lines to <build>/bench/footprint.jsonl. Figures are never asserted.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "${1:-build}/bench"
build=$(cd "${1:-build}" && pwd)
json=$build/bench/footprint.jsonl
work=$build/footprint
rm -f "$json"

if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    echo "skipped (scripts/deps.sh cross)"
    exit 0
fi

arch="-mcpu=cortex-m4 -mthumb"
cflags="$arch -ffunction-sections -fdata-sections -g -fstack-usage -fcallgraph-info=su"
ldflags="$arch -Os -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs"
gccver=$(arm-none-eabi-gcc -dumpversion)
conf="Cortex-M4 -Os, arm-none-eabi-gcc $gccver, nano.specs, five-call program (bench/footprint)"

json() { # name value unit configuration-suffix
    printf '{"name": "%s", "value": %s, "unit": "%s", "configuration": "%s%s"}\n' "$1" "$2" "$3" "$conf" "$4" >>"$json"
}

# The minimal configuration: every compile-time option of src/common/trustm_config.h off.
minimal_opts="-DTRUSTM_RESET_PINS=OFF -DTRUSTM_RESET_SOFT=OFF -DTRUSTM_PAL_XFER=OFF -DTRUSTM_STATS=OFF"
minimal_label="TRUSTM_RESET_PINS, RESET_SOFT, PAL_XFER, STATS and SHIELD off"

# build <variant> <ON|OFF> [cmake options...]: library core, the program and the size probe of
# one configuration
build() {
    variant=$1 shield=$2
    shift 2
    lib=$work/$variant/lib prog=$work/$variant/prog
    mkdir -p "$prog"
    # shellcheck disable=SC2068
    if ! { cmake -S "$root" -B "$lib" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/arm-none-eabi.cmake" \
            -DCMAKE_BUILD_TYPE=MinSizeRel -DTRUSTM_CORE_ONLY=ON -DTRUSTM_SHIELD="$shield" $@ \
            -DCMAKE_C_FLAGS="$cflags" && cmake --build "$lib" -j2; } >"$work/$variant/build.log" 2>&1; then
        echo "footprint: cross build of the library failed ($variant), log: $work/$variant/build.log" >&2
        tail -20 "$work/$variant/build.log" >&2
        return 1
    fi
    def=""
    [ "$shield" = ON ] && def="-DTRUSTM_CFG_SHIELD=1"
    for f in main board sizes; do
        # shellcheck disable=SC2086
        arm-none-eabi-gcc $cflags -Os -std=c99 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes $def -I"$root/include" \
            -c "$root/bench/footprint/$f.c" -o "$prog/$f.o"
    done
    libs=$(find "$lib/src" -name 'libtrustm*.a' | sort)
    # shellcheck disable=SC2086
    arm-none-eabi-gcc $ldflags -Wl,-Map="$prog/footprint.map" -o "$prog/footprint.elf" \
        "$prog/main.o" "$prog/board.o" -Wl,--start-group $libs -Wl,--end-group
}

hex2dec() { printf '%d\n' "0x$1"; }

# sizeof_of <variant> <type>: sizeof(type) on the target (sizes.c: an array as long as the type)
sizeof_of() {
    h=$(arm-none-eabi-nm -S "$work/$1/prog/sizes.o" | awk -v s="footprint_sizeof_$2" '$NF == s { print $2 }')
    [ -n "$h" ] && hex2dec "$h" || echo 0
}

# struct_size <variant> <object name> <struct tag>: DW_AT_byte_size of the tag in that object, or -
struct_size() {
    o=$(find "$work/$1/lib/src" -name "$2" | head -1)
    [ -n "$o" ] || { echo -; return; }
    arm-none-eabi-readelf --debug-dump=info "$o" 2>/dev/null | awk -v tag="$3" '
        /DW_TAG_/ { st = /DW_TAG_structure_type/; hit = 0; next }
        st && /DW_AT_name/ { n = $NF; hit = (n == tag) }
        st && hit && /DW_AT_byte_size/ { print $NF; found = 1; exit }
        END { if (!found) print "-" }'
}

mkdir -p "$work"
build noshield OFF
build shield ON
# shellcheck disable=SC2086
build minimal OFF $minimal_opts

prog=$work/noshield/prog
map() { awk -v prog=main.o -v board=board.o -f "$root/scripts/footprint-map.awk" "$1"; }
map "$prog/footprint.map" >"$work/map.txt"
map "$work/shield/prog/footprint.map" >"$work/map-shield.txt"
map "$work/minimal/prog/footprint.map" >"$work/map-minimal.txt"

echo "The five-call program (bench/footprint/main.c): init + open, read 0xE0E0, random 32, RSA-1024"
echo "PKCS#1 v1.5 SHA-256 sign with 0xE0FC, AES-128-CBC encrypt with 0xE200; minimal PAL over board.c."
echo "arm-none-eabi-gcc $gccver $arch -Os -ffunction-sections -fdata-sections, --gc-sections, nano.specs + nosys.specs"
echo "Library: MinSizeRel cross build of src/ with TRUSTM_SHIELD off (unless said otherwise)"
echo
echo "Flash (bytes, from the map file)      text   rodata     data    flash"
total=$(arm-none-eabi-size "$prog/footprint.elf" | awk 'NR == 2 { print $1 + $2 }')
awk -v json="$json" -v total="$total" -v conf="$conf, TRUSTM_SHIELD off" -v conf_off="$conf, TRUSTM_SHIELD off" \
    -v conf_on="$conf, TRUSTM_SHIELD on (unused)" -v shieldlib="$(awk '$1 == "SEC" && $2 !~ /^(program|board|toolchain)$/ && $3 != "bss" { s += $4 } END { print s + 0 }' "$work/map-shield.txt")" \
    -v conf_min="$conf, minimal: $minimal_label" -v minlabel="$minimal_label" \
    -v minlib="$(awk '$1 == "SEC" && $2 !~ /^(program|board|toolchain)$/ && $3 != "bss" { s += $4 } END { print s + 0 }' "$work/map-minimal.txt")" '
    function row(label, g, note) {
        printf "  %-32s %8d %8d %8d %8d%s\n", label, t[g], r[g], d[g], t[g] + r[g] + d[g] + o[g], note
    }
    function js(name, v) { printf "{\"name\": \"%s\", \"value\": %d, \"unit\": \"bytes\", \"configuration\": \"%s\"}\n", name, v, conf >> json }
    $1 == "SEC" {
        g = $2
        if ($3 == "text") t[g] += $4; else if ($3 == "rodata") r[g] += $4; else if ($3 == "data") d[g] += $4
        else if ($3 == "bss") b[g] += $4; else o[g] += $4
        if (g !~ /^(program|board|toolchain)$/) {
            lib[g] = 1
            if ($3 == "text") t["L"] += $4; else if ($3 == "rodata") r["L"] += $4; else if ($3 == "data") d["L"] += $4
            else if ($3 == "bss") b["L"] += $4; else o["L"] += $4
        }
        next
    }
    $1 == "PULLED" {
        pulled += $2
        m = $3
        sub(/^.*\((lib_a-)?/, "", m)
        sub(/\.o\)$/, "", m)
        names = names (names == "" ? "" : ", ") m
        next
    }
    $1 == "HEAP" {
        heapcode += $2
        sub(/^HEAP /, "")
        gsub(/[^ (]*\//, "")
        heap = heap "    " $0 "\n"
        next
    }
    END {
        n = split("common codec proto cmd api", order, " ")
        for (i = 1; i <= n; i++) if (order[i] in lib) { row("library " order[i], order[i]); js("footprint.flash.library." order[i], t[order[i]] + r[order[i]] + d[order[i]] + o[order[i]]); done[order[i]] = 1 }
        for (g in lib) if (!(g in done)) { row("library " g, g); js("footprint.flash.library." g, t[g] + r[g] + d[g] + o[g]) }
        L = t["L"] + r["L"] + d["L"] + o["L"]
        row("library share (src/)", "L", "   goal <= 5000" (L <= 5000 ? " (met)" : " (not met)"))
        row("program main.c (calls + PAL)", "program")
        row("board.c (counted apart)", "board")
        row("toolchain (crt0, libc, libgcc)", "toolchain")
        printf "    of which first pulled in by the library: %d (%s)\n", pulled, names
        printf "  %-32s %35d   (arm-none-eabi-size text + data)\n", "program total", total
        printf "  with TRUSTM_SHIELD compiled in (unused): library share %d\n", shieldlib
        printf "  minimal configuration (%s): library share %d%s\n", minlabel, minlib, minlib <= 5000 ? " (goal met)" : ""
        printf "  ref: vendor host library, same five calls: 8,314 B code + 1,004 B initialised data = 9,318 B\n"
        printf "       flash (FIXED FIGURES QUOTED from issue 11, not measured here)\n"
        js("footprint.flash.library", L)
        js("footprint.flash.library_text", t["L"])
        js("footprint.flash.library_rodata", r["L"])
        js("footprint.flash.library_data", d["L"])
        js("footprint.flash.program_total", total)
        js("footprint.flash.board", t["board"] + r["board"] + d["board"] + o["board"])
        js("footprint.flash.toolchain", t["toolchain"] + r["toolchain"] + d["toolchain"] + o["toolchain"])
        js("footprint.flash.toolchain_pulled_by_library", pulled)
        conf = conf_on
        js("footprint.flash.library", shieldlib)
        conf = conf_min
        js("footprint.flash.library", minlib)
        conf = conf_off
        print ""
        printf "Static RAM of the library objects: data %d + bss %d = %d B (goal 0)\n", d["L"], b["L"], d["L"] + b["L"]
        js("footprint.ram.static_library", d["L"] + b["L"])
        if (heap == "") {
            print "Heap: 0 B (no malloc, free or _sbrk in the link map)"
            js("footprint.ram.heap", 0)
        } else {
            print "Heap: allocator linked (bytes of code, member, who pulled it in):"
            printf "%s", heap
            js("footprint.flash.heap_allocator", heapcode)
        }
        printf "  program: data %d + bss %d B (the device context, buffers); toolchain: data %d + bss %d B\n", d["program"], b["program"], d["toolchain"], b["toolchain"]
        print "  ref: vendor host library: 2,664 B static RAM + 188 B heap (FIXED FIGURES QUOTED from issue 11)"
    }' "$work/map.txt"

echo
echo "10 largest library functions (bytes of code)"
awk '$1 == "FUNC" { print $2, $3 }' "$work/map.txt" | sort -k1,1nr -k2 | head -10 | while read -r n f; do
    printf '  %-40s %6d\n' "$f" "$n"
    json "footprint.flash.function.$f" "$n" bytes ", TRUSTM_SHIELD off"
done

echo
dev_off=$(sizeof_of noshield trustm_device_t)
dev_on=$(sizeof_of shield trustm_device_t)
sh_on=$(sizeof_of shield trustm_shield_t)
impl_off=$(struct_size noshield trustm_device.c.obj dev_impl)
impl_on=$(struct_size shield trustm_device.c.obj dev_impl)
echo "RAM per device at frame 277 (caller-owned, sizeof on the target)"
printf '  %-44s %6d B   goal <= 1000\n' "trustm_device_t, TRUSTM_SHIELD off" "$dev_off"
printf '  %-44s %6d B   goal <= 1300\n' "trustm_device_t, TRUSTM_SHIELD on" "$dev_on"
printf '  %-44s %6d B   (caller-owned, when used)\n' "trustm_shield_t, TRUSTM_SHIELD on" "$sh_on"
printf '  %-44s %6s B / %s B (off / on; the rest is reserve)\n' "of trustm_device_t used by the implementation" "$impl_off" "$impl_on"
json footprint.ram.trustm_device_t "$dev_off" bytes ", TRUSTM_SHIELD off, frame 277"
json footprint.ram.trustm_device_t "$dev_on" bytes ", TRUSTM_SHIELD on, frame 277"
json footprint.ram.trustm_shield_t "$sh_on" bytes ", TRUSTM_SHIELD on"
[ "$impl_off" = - ] || json footprint.ram.device_implementation "$impl_off" bytes ", TRUSTM_SHIELD off, frame 277"
[ "$impl_on" = - ] || json footprint.ram.device_implementation "$impl_on" bytes ", TRUSTM_SHIELD on, frame 277"

# stack: every .ci of the library and the program, the objects' relocations, the disassembly
stack() { # variant
    lib=$work/$1/lib prog=$work/$1/prog
    {
        find "$lib/src" "$prog" -name '*.ci' | sort | while read -r ci; do
            echo '#CI'
            cat "$ci"
        done
        find "$lib/src" "$prog" \( -name '*.o' -o -name '*.obj' \) | sort | while read -r o; do
            ci=${o%.o}
            ci=${ci%.obj}.ci
            [ -f "$ci" ] || continue
            echo "#OBJ $(sed -n '1s/^graph: { title: "\(.*\)"$/\1/p' "$ci")"
            arm-none-eabi-objdump -t -r "$o"
        done
        echo '#ELF'
        arm-none-eabi-objdump -d "$prog/footprint.elf"
    } | awk -f "$root/scripts/footprint-stack.awk"
}

echo
echo "Worst-case stack from main (gcc -fstack-usage -fcallgraph-info=su; frames in bytes)"
stack noshield >"$work/stack.txt"
grep -v '^TOTAL' "$work/stack.txt"
read -r _ total cuts taken <<EOF
$(grep '^TOTAL ' "$work/stack.txt")
EOF
printf '  %-44s %6d B   goal <= 400; ref: 408 B measured on the old core for this program\n' "total (deepest path)" "$total"
stack shield >"$work/stack-shield.txt"
total_on=$(awk '$1 == "TOTAL" { print $2 }' "$work/stack-shield.txt")
printf '  %-44s %6d B\n' "total with TRUSTM_SHIELD compiled in (unused)" "$total_on"
stack minimal >"$work/stack-minimal.txt"
total_min=$(awk '$1 == "TOTAL" { print $2 }' "$work/stack-minimal.txt")
printf '  %-44s %6d B   (%s)\n' "total in the minimal configuration" "$total_min" "$minimal_label"
echo "  Indirect calls: the member called is read at the call site (pal->ops->now_us -> now_us) and"
echo "  charged as the deepest of the $taken address-taken linked functions named <prefix>_<member>[_cb];"
echo "  a member no linked function implements (0 above) is a NULL pointer in this program; libc and"
echo "  libgcc frames from the disassembly (push/sub sp); a tail call (b/b.w to a function's start)"
echo "  adds no frame of its caller (released before the branch); $cuts call cycle(s) cut."
json footprint.stack.worst_case "$total" bytes ", TRUSTM_SHIELD off, call tree from main"
json footprint.stack.worst_case "$total_on" bytes ", TRUSTM_SHIELD on (unused), call tree from main"
json footprint.stack.worst_case "$total_min" bytes ", minimal: $minimal_label, call tree from main"
