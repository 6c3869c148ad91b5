#!/bin/sh
# Run one cmocka test program for ctest and turn "passed, but some cases were skipped" into
# ctest's skip code (77, SKIP_RETURN_CODE), so that a skip is never reported as a pass.  A case
# that skips prints a line starting with "SKIP:" (the reason) before calling skip().
# Failures keep their own exit code.
out=$(mktemp "${TMPDIR:-/tmp}/trustm-test.XXXXXX") || exit 1
"$@" >"$out" 2>&1
rc=$?
cat "$out"
if [ $rc -eq 0 ] && grep -q '^\[  SKIPPED \]' "$out" && grep -q 'SKIP:' "$out"; then
    rc=77
fi
rm -f "$out"
exit $rc
