#!/usr/bin/env bash
# fleet.sh BUILD [N] [MESSAGES] - `make fleet`: start the cluster (scripts/cluster.sh) in a
# private folder, run fleet-load with N simulated devices (default 1000) that each publish
# MESSAGES QoS 1 messages (default 5), kill one RabbitMQ node (r2) and one id2-authd mid-run,
# print the fleet report, stop everything. The report is also kept as BUILD/fleet-report.txt
# and BUILD/fleet-report.json (FLEET_REPORT=PREFIX: PREFIX.txt / PREFIX.json). Exit 0 when the
# report is clean (0 lost, every attack refused);
# 77 when PostgreSQL or RabbitMQ is not installed.
set -uo pipefail
umask 077 # keys, passwords and the registry are created private
B=$(cd "${1:-build}" && pwd)
N=${2:-1000}
M=${3:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPORT=${FLEET_REPORT:-$B/fleet-report}
for p in rabbitmq-server postgresql; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        echo "SKIPPED: $p not installed (scripts/deps.sh fleet)"
        exit 77
    fi
done
for t in cloud/authd/id2-authd cloud/kdc/id2-kdc apps/fleetload/fleet-load; do
    [ -x "$B/$t" ] || { echo "fleet.sh: $B/$t missing (build it first)" >&2; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/trustm-fleet.XXXXXX")
CW=$W/cluster
chmod 711 "$W" # PostgreSQL runs as nobody when we are root: it must reach $CW/pg
cleanup() { bash "$ROOT/scripts/cluster.sh" down "$B" "$CW" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
bash "$ROOT/scripts/cluster.sh" up "$B" "$CW" || exit 1
# shellcheck disable=SC1091
. "$CW/cluster.env"
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$W/signer.pem" -out "$W/signer_cert.pem" -days 365 \
    -subj "/CN=trustm fleet update signer" 2>/dev/null || { echo "fleet.sh: openssl failed" >&2; exit 1; }
chmod 600 "$W/signer.pem"
read -r _ A2 <<<"$AUTHD_PIDS"
threads=$(( N / 40 + 2 ))
[ "$threads" -gt 32 ] && threads=32
echo "fleet.sh: $N devices x $M messages; r2 (pid $BEAM_r2) and id2-authd $A2 are killed at half way"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$B/apps/fleetload/fleet-load" --registry "$ID2_REGISTRY" --master-key "$ID2_MASTER_KEY" \
    --signer-key "$W/signer.pem" --signer-cert "$W/signer_cert.pem" --brokers "$MQTT_ALL" \
    --subscribe "$MQTT_r1" --operator "$OPERATOR" --operator-password-file "$OPERATOR_PASSWORD_FILE" \
    --devices "$N" --messages "$M" --period-ms 1000 --threads "$threads" --product fleet \
    --kill "$BEAM_r2" --kill "$A2" --kill-at 0.5 --json "$REPORT.json" | tee "$REPORT.txt"
rc=${PIPESTATUS[0]}
# What id2-authd saw (the surviving instance's counters).
curl -s "$AUTH_URL/metrics" | grep -E '^id2_authd_(authentications_total|refusals_total\{reason="(replay|signature)"\})' |
    sed 's/^/  authd (surviving instance): /' | tee -a "$REPORT.txt"
exit "$rc"
