#!/usr/bin/env bash
# console_chromium.sh BUILD - the device console in headless Chromium: id2-authd (SQLite
# registry) watching a private mosquitto on 127.0.0.1; three devices with a successful, a
# replayed and a revoked log-in (decided by id2-authd's /auth/user, as RabbitMQ would ask) and
# data messages; console_check.py logs in through the form and checks the live tables; the
# screenshot is kept as BUILD/tests/fleet/console.png. Exit 77 when Chromium is missing.
set -uo pipefail
umask 077 # keys, passwords and the registry are created private
B=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "SKIPPED: chromium not installed (scripts/deps.sh fleet)"; exit 77; }
command -v mosquitto_pub >/dev/null || { echo "SKIPPED: mosquitto-clients not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIPPED: python3 not installed (scripts/deps.sh fleet)"; exit 77; }
command -v curl >/dev/null || { echo "SKIPPED: curl not installed (scripts/deps.sh fleet)"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}/trustm-console.XXXXXX")
RUN=
# shellcheck source=../../scripts/id2-env.sh
. "$ROOT/scripts/id2-env.sh"
# shellcheck source=../../scripts/fleet-env.sh
. "$ROOT/scripts/fleet-env.sh"
[ -x "$MOSQ" ] || { echo "SKIPPED: mosquitto not installed"; rm -rf "$W"; exit 77; }
trap 'env_stop_all; rm -rf "$W"' EXIT
PK=consolepk
env_registry >/dev/null || exit 1
for d in dev1 dev2 dev3; do "$KDC" issue --product "$PK" --name $d >/dev/null || exit 1; done
OPW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s' "$OPW" >"$W/operator.pw"
chmod 600 "$W/operator.pw"
echo "$OPW" | "$AUTHD" passwd operator >"$W/operators"
chmod 600 "$W/operators"
MPORT=$(env_free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$MPORT" >"$W/mosquitto.conf"
"$MOSQ" -c "$W/mosquitto.conf" >"$W/mosquitto.log" 2>&1 &
ENV_PIDS+=($!)
env_wait_for env_port_open "$MPORT" || { echo "mosquitto did not start"; exit 1; }
APORT=$(env_free_port)
fleet_authd "$APORT" "$ID2_REGISTRY" --master-key "$ID2_MASTER_KEY" --operators "$W/operators" \
    --watch "127.0.0.1:$MPORT" --watch-user operator --watch-password-file "$W/operator.pw" || exit 1
user() { # client id, user name, password -> the verdict of /auth/user
    curl -s --data-urlencode "username=$2" --data-urlencode "password=$3" --data-urlencode "client_id=$1" \
        --data-urlencode vhost=/ "http://127.0.0.1:$APORT/auth/user"
}
mapfile -t C < <("$B/tests/fleet/fleet_code" "$ID2_REGISTRY" "$ID2_MASTER_KEY" "$PK" dev1)
[ "$(user "${C[@]}")" = allow ] || { echo "FAIL: dev1 not allowed"; exit 1; }
mapfile -t C < <("$B/tests/fleet/fleet_code" "$ID2_REGISTRY" "$ID2_MASTER_KEY" "$PK" dev2)
[ "$(user "${C[@]}")" = allow ] && [ "$(user "${C[@]}")" = deny ] || { echo "FAIL: dev2 replay not denied"; exit 1; }
"$KDC" revoke "$PK/dev3" >/dev/null
mapfile -t C < <("$B/tests/fleet/fleet_code" "$ID2_REGISTRY" "$ID2_MASTER_KEY" "$PK" dev3)
[ "$(user "${C[@]}")" = deny ] || { echo "FAIL: dev3 not denied"; exit 1; }
# messages, once the watcher is subscribed (it reconnects every second until then)
for i in $(seq 1 40); do
    mosquitto_pub -h 127.0.0.1 -p "$MPORT" -q 1 -t "/$PK/dev1/data" -m "{\"temperature\":2$((i % 10)).5,\"n\":$i}"
    sleep 0.1
done
python3 "$ROOT/tests/fleet/console_check.py" "$CHROMIUM" "http://127.0.0.1:$APORT/console" operator "$OPW" \
    "$B/tests/fleet/console.png" "$PK / dev1" "online" "revoked" "replayed auth code" "/$PK/dev1/data" \
    "\"temperature\""
