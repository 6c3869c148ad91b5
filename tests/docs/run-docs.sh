#!/usr/bin/env bash
# Docs that run: every shell block (```sh, ```bash, ```shell, ```console) of README.md and
# docs/*.md is executed against the simulator, so no example can rot.
#   tests/docs/run-docs.sh REPO BUILD_DIR [FILE...]
# How a document is run (docs/DESIGN.md "Docs that run"):
#  - its blocks run in order, in one fresh folder per document that looks like a clone (the
#    repository's entries linked in; a reader following along: files and exported variables
#    carry over from one block to the next), with
#    the tools of BUILD_DIR first in PATH and `build` linked to BUILD_DIR; HOME is that folder;
#  - a block preceded by `<!-- docs-test: skip REASON -->` is not run (the reason is printed);
#    README.md, which this test may not edit, names its skipped blocks in tests/docs/skip.list;
#  - a block with `$ ` prompts runs only the prompted lines (the rest is output, not compared);
#  - a line naming a real chip (`i2c:/dev/...`) is skipped as "needs hardware";
#  - `cmd ... &` starts a background process, stopped when the document ends; a
#    `--socket PATH &` line waits for PATH to appear; /tmp/trustm.sock is made private;
#  - an untagged block that starts like a command (a tool name or `$ `) is an error: tag it.
set -uo pipefail
repo=$(cd "${1:?usage: run-docs.sh REPO BUILD_DIR [FILE...]}" && pwd)
build=$(cd "${2:?usage: run-docs.sh REPO BUILD_DIR [FILE...]}" && pwd)
shift 2
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$repo/README.md" "$repo"/docs/*.md)
skiplist=$repo/tests/docs/skip.list
work=$(mktemp -d)
trap 'for p in $(cat "$work"/pids 2>/dev/null); do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
touch "$work/pids"

# Shims: `make build` is what built BUILD_DIR already; other make targets are not run here.
mkdir -p "$work/shim"
cat > "$work/shim/make" <<'SH'
#!/bin/sh
[ "$*" = build ] && exit 0
echo "docs test: 'make $*' is not run inside the docs test" >&2
exit 1
SH
chmod +x "$work/shim/make"
# A sanitizer build's library needs its compiler and flags: `cc` in a block is that compiler.
if [ -n "${TRUSTM_DOCS_CC:-}" ]; then
    printf '#!/bin/sh\nexec %s "$@"\n' "$TRUSTM_DOCS_CC" > "$work/shim/cc"
    chmod +x "$work/shim/cc"
fi
toolpath=$work/shim
for d in tools/trustm sim tools/protupd cloud apps; do [ -d "$build/$d" ] && toolpath=$toolpath:$build/$d; done

cmdlike='^(\$ |trustm|trustm-sim|trustm-protupd|protected_update_data_set|id2-kdc|mqttapp|openssl|make |build/)'
ran=0 skipped=0 failed=0

run_block() { # FILE LINE LANG BODY
    local file=$1 line=$2 body=$4 dir=$5 script=$work/block.sh
    if grep -q '^\$ ' <<<"$body"; then
        body=$(grep '^\$ ' <<<"$body" | sed 's/^\$ //')
    fi
    {
        echo "set -eo pipefail"
        echo "[ -f '$dir/.env' ] && . '$dir/.env'"
        while IFS= read -r l; do
            l=${l//\/tmp\/trustm.sock/$dir/trustm.sock}
            if [[ $l == *i2c:/dev/* ]]; then
                printf ': # needs hardware, skipped: %q\n' "$l"
                continue
            fi
            if [[ $l =~ ^(.*[^\\])\&[[:space:]]*(#.*)?$ && $l != *'&&'* ]]; then
                echo "${BASH_REMATCH[1]} & echo \$! >> '$work/pids'"
                if [[ $l =~ --socket[[:space:]]+([^[:space:]]+) ]]; then
                    echo "for _ in \$(seq 200); do [ -S ${BASH_REMATCH[1]} ] && break; sleep 0.05; done"
                fi
                continue
            fi
            echo "$l"
        done <<<"$body"
        echo "export -p | grep -v ' \(PWD\|OLDPWD\|SHLVL\|_\)=' > '$dir/.env'"
    } > "$script"
    if (cd "$dir" && HOME=$dir PATH=$toolpath:$PATH bash "$script") > "$work/out" 2>&1; then
        ran=$((ran + 1))
    else
        failed=$((failed + 1))
        echo "FAIL ${file#$repo/}:$line"
        sed 's/^/    /' "$work/out" | tail -20
    fi
}

for f in "${files[@]}"; do
    rel=${f#$repo/}
    dir=$work/$(basename "$f" .md)
    mkdir -p "$dir"
    # the folder looks like a clone (the reader's place): the repository's entries linked in,
    # `build` being BUILD_DIR; what the blocks write stays in the folder
    for e in "$repo"/*; do
        case $(basename "$e") in build*) ;; *) ln -s "$e" "$dir/$(basename "$e")" ;; esac
    done
    ln -s "$build" "$dir/build"
    inblock=0 prev="" marker="" lang="" start=0 body=""
    lineno=0
    while IFS= read -r l || [ -n "$l" ]; do
        lineno=$((lineno + 1))
        if [ $inblock -eq 0 ] && [[ $l =~ ^\`\`\`([a-z]*) ]]; then
            inblock=1 lang=${BASH_REMATCH[1]} start=$lineno body="" marker=$prev
            continue
        fi
        if [ $inblock -eq 1 ] && [[ $l =~ ^\`\`\` ]]; then
            inblock=0
            first=$(grep -m1 -v '^[[:space:]]*$' <<<"$body" || true)
            case $lang in
            sh | bash | shell | console)
                reason=""
                if [[ $marker =~ \<!--\ docs-test:\ skip\ (.*)\ --\> ]]; then
                    reason=${BASH_REMATCH[1]}
                elif [ -f "$skiplist" ]; then
                    reason=$(awk -F'\t' -v f="$rel" -v c="$first" '$1 == f && $2 == c {print $3; exit}' "$skiplist")
                fi
                if [ -n "$reason" ]; then
                    skipped=$((skipped + 1))
                    echo "skip $rel:$start: $reason"
                else
                    run_block "$f" "$start" "$lang" "$body" "$dir"
                fi
                ;;
            "")
                if [[ $first =~ $cmdlike ]]; then
                    failed=$((failed + 1))
                    echo "FAIL $rel:$start: an untagged block of commands: tag it \`\`\`sh (or mark it skipped)"
                fi
                ;;
            esac
            prev=""
            continue
        fi
        if [ $inblock -eq 1 ]; then
            body+=$l$'\n'
        elif [[ -n $l ]]; then
            prev=$l
        fi
    done < "$f"
    for p in $(cat "$work/pids"); do kill "$p" 2>/dev/null; done
    : > "$work/pids"
done
echo "docs: $ran blocks ran, $skipped skipped (marked), $failed failed"
[ $failed -eq 0 ]
