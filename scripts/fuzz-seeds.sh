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
fuzz_metadata|fuzz_sim_metadata)
    # every shipped metadata container of objects.md §1.4 / §7.3 (prefix byte: mode / OID pick)
    i=0
    grep -h -o '`20 [0-9A-F ]*`' "$vec"/../objects.md "$vec"/../protected-update.md 2>/dev/null | tr -d '`' |
    while read -r line; do
        i=$((i + 1))
        { printf '\001'; printf '%s' "$line" | unhex; } >"$dir/seed-md-$i"
    done
    printf '\000\341\374\007\376\040\341\100' >"$dir/seed-ac-1" ;;
fuzz_cli_parsers)
    printf '\000AA BB cc 0x01' >"$dir/seed-hex"
    printf '\001sim:chip.state' >"$dir/seed-sim"
    printf '\001i2c:/dev/i2c-1@0x30,gpio=gpiochip0,rst=5' >"$dir/seed-i2c"
    printf '\002sign,enc' >"$dir/seed-usage"
    [ -f "$vec"/sample_rsa_1024_pub.pem ] && openssl rsa -pubin -in "$vec"/sample_rsa_1024_pub.pem -RSAPublicKey_out -outform DER 2>/dev/null |
        { printf '\003\003\201\215\000'; cat; } >"$dir/seed-pub" ;;
fuzz_trace)
    cp "$vec"/ifx_i2c_datasheet_log.txt "$dir/seed-datasheet-log"
    cp "$vec"/ifx_i2c_derived_vectors.txt "$dir/seed-derived-vectors" ;;
fuzz_ac_text)
    printf '\001LcsO < op || Conf(E140)' >"$dir/seed-ac-1"
    printf '\000change: LcsO < op; read: ALW' >"$dir/seed-md-1" ;;
esac
exit 0
