#!/bin/sh
# Seed corpus for one fuzz target from the spec vectors (../shared/spec/vectors), when present.
# Usage: fuzz-seeds.sh TARGET CORPUS_DIR.  Writes nothing when the spec folder is absent.
set -eu
name=$1
dir=$2
here=$(cd "$(dirname "$0")/.." && pwd)
vec=${TRUSTM_SHARED_DIR:-$here/../shared}/spec/vectors
[ -d "$vec" ] || exit 0
unhex() { tr -d ' \n\r\t' | xxd -r -p; }
case $name in
fuzz_sim_manifest|fuzz_cbor)
    for f in "$vec"/pu_*manifest*.hex "$vec"/pu_*fragment*.hex "$vec"/pu_*sig_structure.hex; do
        [ -f "$f" ] && unhex <"$f" >"$dir/seed-$(basename "$f" .hex)"
    done ;;
fuzz_frame|fuzz_sim_frames|fuzz_host_port)
    # every frame the datasheet log and the derived vectors show (hex after "W:"/"R:" or bare)
    i=0
    grep -h -o -E '([0-9A-Fa-f]{2} ){3,}[0-9A-Fa-f]{2}' "$vec"/ifx_i2c_datasheet_log.txt "$vec"/ifx_i2c_derived_vectors.txt 2>/dev/null |
    while read -r line; do
        i=$((i + 1))
        printf '%s' "$line" | unhex >"$dir/seed-vec-$i"
    done ;;
fuzz_metadata)
    # the mode byte 1 + metadata containers of objects.md §3.3, mode 0 + AC bytes of §4.3
    printf '\001\040\011\300\001\007\320\003\341\374\007' >"$dir/seed-md-1"
    printf '\000\341\374\007\376\040\341\100' >"$dir/seed-ac-1" ;;
fuzz_ac_text)
    printf '\001LcsO < op || Conf(E140)' >"$dir/seed-ac-1"
    printf '\000change: LcsO < op; read: ALW' >"$dir/seed-md-1" ;;
esac
exit 0
