#!/bin/sh
# After ctest: count the skipped cmocka cases in the last run (BUILD/Testing/Temporary/
# LastTest.log holds every test's output) and list their reasons, so that "100% passed" never
# hides a skip.  Usage: test-summary.sh BUILD
log=${1:-build}/Testing/Temporary/LastTest.log
[ -f "$log" ] || exit 0
awk '
/^[0-9]+\/[0-9]+ Test: / { name = $3 }
/^\[  SKIPPED \] [0-9]+ test/ { n = $4 + 0; total += n; progs[name] += n }
/SKIP:/ { sub(/^.*SKIP: */, ""); if (!(name SUBSEP $0 in seen)) { seen[name SUBSEP $0] = 1; why[name] = why[name] "\n      " $0 } }
END {
    if (total == 0) { print "make test: no test case skipped"; exit 0 }
    np = 0; for (p in progs) np++
    printf "make test: %d test case(s) SKIPPED in %d test program(s) (ctest lists them as \"Not Run\"/Skipped):\n", total, np
    for (p in progs) printf "  %-24s %3d skipped%s\n", p, progs[p], why[p]
}' "$log"
