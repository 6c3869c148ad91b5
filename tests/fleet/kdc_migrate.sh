#!/usr/bin/env bash
# kdc_migrate.sh BUILD - id2-kdc on PostgreSQL (ID2_TEST_PG_URL, from with-servers.sh): migrate
# a SQLite registry, list and verify there, a second migration refused, the URL never printed.
set -euo pipefail
umask 077 # keys, passwords and the registry are created private
B=$1
KDC="$B/cloud/kdc/id2-kdc"
T=$(mktemp -d "${TMPDIR:-/tmp}/trustm-kdcpg.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export ID2_MASTER_KEY=$T/master.key
"$KDC" --registry "$T/reg.sqlite" init >/dev/null
"$KDC" --registry "$T/reg.sqlite" issue --product pkm --count 3 --out-dir "$T" >/dev/null
"$KDC" --registry "$T/reg.sqlite" revoke "pkm/$(ls "$T" | grep -v -e reg -e master | head -1)" >/dev/null
out=$("$KDC" --registry "$T/reg.sqlite" migrate --to "$ID2_TEST_PG_URL")
echo "$out"
[ "$out" = "migrated 3 devices and 0 replay entries from $T/reg.sqlite to (PostgreSQL)" ] || fail "migrate output"
case "$out" in *"$ID2_TEST_PG_URL"*) fail "connection string printed" ;; esac
diff <("$KDC" --registry "$T/reg.sqlite" list) <("$KDC" --registry "$ID2_TEST_PG_URL" list) || fail "lists differ"
[ "$("$KDC" --registry "$ID2_TEST_PG_URL" list | grep -c revoked)" = 1 ] || fail "revocation not migrated"
set +e
err=$("$KDC" --registry "$T/reg.sqlite" migrate --to "$ID2_TEST_PG_URL" 2>&1)
rc=$?
set -e
[ $rc = 3 ] || fail "second migration: exit $rc"
case "$err" in *"already in the destination"*) ;; *) fail "second migration: $err" ;; esac
[ "$(echo "$err" | wc -l)" = 1 ] || fail "error not one line"
# a device issued on PostgreSQL, shown there
"$KDC" --registry "$ID2_TEST_PG_URL" issue --product pkm --name onpg >/dev/null
"$KDC" --registry "$ID2_TEST_PG_URL" show pkm/onpg | grep -q onpg || fail "show on PostgreSQL"
echo "kdc_migrate: ok"
