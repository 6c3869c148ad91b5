#!/bin/sh
# Second guard for the layering rules of docs/DESIGN.md (the build's include paths are the
# first): no layer includes a header of a layer above it, and the simulator shares nothing
# with the host but src/common and src/codec.
#   common < codec < proto < cmd < api ;  sim may use common + codec only ; pal ports use no src/
#   tools: public headers, ports, pure codecs, their own ; compat: public headers and its own
set -eu
cd "$(dirname "$0")/.."
fail=0
check() { # check <dir> <forbidden-regex> <why>
    [ -d "$1" ] || return 0
    hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1" --include='*.c' --include='*.h' || true)
    if [ -n "$hits" ]; then
        echo "layer violation ($3):"; echo "$hits"; fail=1
    fi
}
stack='trustm_stack|trustm_phy|trustm_dl|trustm_tl|trustm_pl|trustm_pump|trustm_proto'
cmdh='trustm_cmd'
apih='trustm/trustm_device|trustm/trustm\.h|trustm/trustm_api|trustm/trustm_data|trustm/trustm_crypt'
check src/common "trustm_frame|trustm_apdu|trustm_pctr|trustm_cbor|$stack|$cmdh|$apih|trustm_sim" "common includes nothing above it"
check src/codec "$stack|$cmdh|$apih|trustm_sim" "codec includes only common"
check src/proto "$cmdh|$apih|trustm_sim" "proto includes only codec/common"
check src/cmd "$apih|trustm_sim" "cmd does not include the API"
check src "sim/|trustm_sim" "the library core never includes the simulator"
check sim "$stack|$cmdh|$apih|trustm/trustm_(app|protupd|metadata|shield)|trustm_pal_" "the simulator is independent of the host stack"
check pal "$stack|$cmdh|trustm_frame|trustm_apdu|trustm_bytes" "ports use only the PAL contract"
# Allow-lists for the parts around the library. Every "..." include (and every <trustm...>
# include) of a file under <dir> must name a header next to the including file or under one of
# the allowed roots; a root written dir/** allows every folder below dir.
#   allow_only <dir> <why> <root>...
allow_only() {
    d=$1 why=$2
    shift 2
    [ -d "$d" ] || return 0
    roots=""
    for r in "$@"; do
        case $r in
        */\*\*) roots="$roots $(find "${r%/\*\*}" -type d | tr '\n' ' ')" ;;
        *) roots="$roots $r" ;;
        esac
    done
    bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*("[^"]+"|<trustm[^>]*>)' "$d" \
        --include='*.c' --include='*.h' | while IFS= read -r hit; do
        f=${hit%%:*}
        name=$(printf '%s\n' "$hit" | sed -E 's/^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">].*/\1/')
        [ -f "$(dirname "$f")/$name" ] && continue
        found=0
        for r in $roots; do
            if [ -f "$r/$name" ]; then found=1; break; fi
        done
        [ $found -eq 1 ] || printf '%s\n' "$hit"
    done)
    if [ -n "$bad" ]; then
        echo "layer violation ($why):"; echo "$bad"; fail=1
    fi
}
# Tools: the public API, the ports (pal/, the crypto provider, the simulator's public header for
# --sim), the pure codecs of src/common and src/codec, and their own folders. Not the host stack.
allow_only tools "tools use the public API, the ports and the pure codecs only" \
    include 'pal/**' crypto sim/include src/common src/codec 'tools/**'
# The vendor API layer: public headers only (include/trustm and its compat/optiga tree).
allow_only compat "compat uses public headers only" \
    include include/trustm/compat include/trustm/compat/optiga compat
# The simulator: its own folders and the pure codecs; of the public headers only the leaves
# (status, PAL contract; the host API is refused by the check above) -- nothing of the host
# stack (src/proto, src/cmd, src/api).
allow_only sim "the simulator uses only its own code and the pure codecs" \
    'sim/**' src/common src/codec include

# The library core makes no OS calls and has no heap.
os=$(grep -rnE '\b(malloc|calloc|realloc|free|printf|fopen|usleep|nanosleep|clock_gettime)[[:space:]]*\(' src --include='*.c' || true)
if [ -n "$os" ]; then echo "library core uses heap/stdio/OS calls:"; echo "$os"; fail=1; fi
# The ID2 client (id2/) is library code on the public API only: no internals, no simulator, no heap/stdio/OS.
check id2 "sim/|trustm_sim|trustm_pal_|trustm_bytes|$stack|$cmdh" "the ID2 client uses only include/trustm"
if [ -d id2 ]; then
    os=$(grep -rnE '\b(malloc|calloc|realloc|free|printf|snprintf|fopen|usleep|nanosleep|clock_gettime|time)[[:space:]]*\(' id2 --include='*.c' || true)
    if [ -n "$os" ]; then echo "ID2 client uses heap/stdio/OS calls:"; echo "$os"; fail=1; fi
fi
# The MQTT codec and client (mqtt/, not mqtt/net) are device code too: no heap, stdio or OS calls.
if [ -d mqtt ]; then
    os=$(grep -nE '\b(malloc|calloc|realloc|free|printf|fopen|usleep|nanosleep|clock_gettime|time|socket|poll)[[:space:]]*\(' mqtt/*.c || true)
    if [ -n "$os" ]; then echo "MQTT client uses heap/stdio/OS calls:"; echo "$os"; fail=1; fi
fi
[ $fail -eq 0 ] && echo "layers: ok"
exit $fail
