#!/usr/bin/env bash
# clang-format over the project's own C sources and headers (.clang-format).
#   scripts/format.sh fix     rewrite the files in place
#   scripts/format.sh check   list the files that differ from the style, exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
cf=${CLANG_FORMAT:-$(command -v clang-format || command -v clang-format-14 || true)}
[ -n "$cf" ] || { echo "format: clang-format not found (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.c' '*.h')
case $mode in
fix)
    "$cf" -i --style=file "${files[@]}"
    ;;
check)
    bad=0
    for f in "${files[@]}"; do
        if ! "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
            echo "format: $f"
            bad=1
        fi
    done
    [ $bad -eq 0 ] || { echo "format: run 'make format'" >&2; exit 1; }
    ;;
*)
    echo "usage: $0 fix|check" >&2; exit 1 ;;
esac
