#!/usr/bin/env bash
# make bench, section "connect": how long a device takes from process start to CONNACK when it
# proves its chip-held ID2 key to the broker, per mode (v5, ts, psk), key type (AES, RSA) and
# I2C frame size (277, 20), with the chip's timing model on (datasheet, 400 kHz).
#   chip+bus  simulated time of the chip commands (the daemon's virtual clock: the real chip's
#             execution and I2C transfer time, machine-independent)
#   host+net  measured real time of everything else (TLS, MQTT, the broker, the plugin)
#   cmds/SEC  chip commands per connect and security events (E0C5 before -> after)
# Figures go to stdout and, one JSON object per figure, to $B/bench/connect.jsonl.
set -uo pipefail
B=$(cd "${1:-build}" && pwd)
for t in openssl mosquitto_sub mosquitto_passwd; do
    command -v "$t" >/dev/null 2>&1 || { echo "connect bench: $t missing (scripts/deps.sh demo): skipped"; exit 0; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/trustm-bench.XXXXXX")
RUN=
# shellcheck source=id2-env.sh
. "$(dirname "$0")/id2-env.sh"
for b in "$MQTTAPP" "$PLUGIN" "$KDC"; do
    [ -e "$b" ] || { echo "connect bench: $b not built: skipped"; rm -rf "$W"; exit 0; }
done
trap 'env_stop_all; rm -rf "$W"' EXIT
out="$B/bench/connect.jsonl"
mkdir -p "$B/bench"
: >"$out"

q() { "$@" >>"$W/setup.log" 2>&1; }
q env_registry && q env_pki && q env_broker_conf trustm && env_broker_start || { echo "connect bench: set-up failed"; exit 1; }
declare -A dev
for c in aes rsa; do
    q env_issue a1FCMDh4ypx "bench-$c" "$c" || exit 1
    q env_chip "bench-$c" datasheet || exit 1
    q env_provision "$CHIP_DEV" "$DEV_DIR" "$c" || { echo "connect bench: provisioning failed"; exit 1; }
    dev[$c]=$CHIP_DEV
done

field() { sed -n "s/.*\"$1\":\\([-0-9]*\\).*/\\1/p" <<<"$2"; }
printf '%-6s %-4s %5s %12s %12s %12s %6s %9s\n' mode key frame "chip+bus ms" "host+net ms" "start->ACK ms" cmds "SEC"
for frame in 277 20; do
    for mode in v5 ts psk; do
        for c in aes rsa; do
            port=$BROKER_PORT
            args=(--ca "$W/pki/ca.pem" --server-name localhost)
            if [ "$mode" = psk ]; then port=$PSK_PORT; args=(); fi
            line=$("$MQTTAPP" --device "${dev[$c]}" -f "$frame" --crypto "$c" --product a1FCMDh4ypx --name "bench-$c" \
                --host 127.0.0.1 --port "$port" --mode "$mode" "${args[@]}" --connect-only --stats \
                --connect-attempts 1 2>&1 | grep '^stats: ' | sed 's/^stats: //')
            if [ -z "$line" ]; then
                printf '%-6s %-4s %5s   (connect failed)\n' "$mode" "$c" "$frame"
                continue
            fi
            sim=$(field chip_sim_us "$line"); chipw=$(field chip_wall_us "$line")
            total=$(field total_wall_us "$line"); start=$(field since_start_us "$line")
            cmds=$(field chip_cmds "$line"); s0=$(field sec_before "$line"); s1=$(field sec_after "$line")
            hostnet=$((total - chipw))
            awk -v m="$mode" -v c="$c" -v f="$frame" -v sim="$sim" -v hn="$hostnet" -v st="$((start - chipw + sim))" \
                -v n="$cmds" -v s0="$s0" -v s1="$s1" \
                'BEGIN { printf "%-6s %-4s %5s %12.1f %12.1f %12.1f %6s %4s -> %s\n", m, c, f, sim / 1000, hn / 1000, st / 1000, n, s0, s1 }'
            cfg="{\"mode\":\"$mode\",\"key\":\"$c\",\"frame\":$frame,\"scl_khz\":400,\"timing\":\"datasheet\"}"
            {
                echo "{\"name\":\"connect.chip_bus_time\",\"value\":$sim,\"unit\":\"us (simulated)\",\"config\":$cfg}"
                echo "{\"name\":\"connect.host_net_time\",\"value\":$hostnet,\"unit\":\"us (measured)\",\"config\":$cfg}"
                echo "{\"name\":\"connect.start_to_connack\",\"value\":$((start - chipw + sim)),\"unit\":\"us (chip simulated + host measured)\",\"config\":$cfg}"
                echo "{\"name\":\"connect.chip_commands\",\"value\":$cmds,\"unit\":\"commands\",\"config\":$cfg}"
                echo "{\"name\":\"connect.security_events\",\"value\":$((s1 - s0)),\"unit\":\"SEC increments\",\"config\":$cfg}"
            } >>"$out"
        done
    done
done
echo "(start->ACK = process start to CONNACK with the chip's own time simulated: host and network"
echo " time measured on this machine plus the chip+bus time of the timing model; the seed's iTLS"
echo " handshake on an ESP32 with a real chip took 34,924.7 ms)"
