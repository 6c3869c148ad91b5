#!/usr/bin/env bash
# End-to-end tests: simulated chips provisioned by protected update, the registry, mosquitto on
# 127.0.0.1 with TLS and the ID2 plugin, and mqttapp. Usage: e2e.sh BUILD SCENARIO
#   modes      every way to authenticate, AES and RSA: the device connects, its messages arrive
#   refusals   wrong key, unknown ID2, revoked ID2, another device's name: refused (exit 3)
#   restart    the broker restarts mid-run: every QoS 1 message still arrives
#   forged     a broker that answers with a forged ID2 proof: the device refuses it, publishes nothing
# Exit 0 = pass, 77 = skipped (no mosquitto), anything else = fail. Prints one line per check.
set -uo pipefail

B=$(cd "$1" && pwd)
scenario=$2
for t in openssl mosquitto_sub mosquitto_passwd; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed (scripts/deps.sh demo)"; exit 77; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/trustm-e2e.XXXXXX")
RUN=
# shellcheck source=../../scripts/id2-env.sh
. "$(dirname "$0")/../../scripts/id2-env.sh"
[ -x "$MOSQ" ] || { echo "SKIP: mosquitto is not installed (scripts/deps.sh demo)"; rm -rf "$W"; exit 77; }
finish() {
    env_stop_all
    if [ "${failed:-0}" -ne 0 ]; then
        echo "--- broker log (last 30 lines)"
        tail -30 "$W/broker/mosquitto.log" 2>/dev/null
    fi
    [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap finish EXIT

passed=0
failed=0
check() { # NAME CONDITION...
    local name=$1
    shift
    if "$@"; then
        echo "ok: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name"
        failed=$((failed + 1))
    fi
}

PK=a1FCMDh4ypx
quiet() { "$@" >>"$W/setup.log" 2>&1; }

# setup [HINT]: registry, CA, broker (+ PSK listener with HINT), operator subscriber on everything
setup() {
    quiet env_registry || exit 1
    quiet env_pki || exit 1
    quiet env_broker_conf "${1:-}" || exit 1
    env_broker_start || exit 1
    env_subscriber "$W/sub.log" '#' || { echo "subscriber did not connect"; exit 1; }
}

# device NAME TYPE: issue NAME, give it a chip provisioned with its identity (CHIP_DEV)
device() {
    quiet env_issue "$PK" "$1" "$2" || exit 1
    quiet env_chip "$1" none || exit 1
    quiet env_provision "$CHIP_DEV" "$DEV_DIR" "$2" || { echo "provisioning $1 failed"; cat "$W/setup.log"; exit 1; }
}

# app NAME MODE CRYPTO DEV [extra mqttapp options]: run mqttapp, output in $W/app.NAME.MODE.log; echo rc
app() {
    local name=$1 mode=$2 crypto=$3 dev=$4 port=$BROKER_PORT
    shift 4
    [ "$mode" = psk ] && port=$PSK_PORT
    local args=(--product "$PK" --name "$name" --host 127.0.0.1 --port "$port" --mode "$mode" --count 2
        --period 100 --connect-attempts 2 --backoff-ms 100,400)
    [ "$mode" != psk ] && args+=(--ca "$W/pki/ca.pem" --server-name localhost)
    [ "$mode" != secret ] && args+=(--device "$dev" --crypto "$crypto")
    timeout 120 "$MQTTAPP" "${args[@]}" "$@" >"$W/app.$name.$mode.log" 2>&1
    echo $?
}

arrived() { # NAME N: at least N temperature messages of NAME reached the subscriber
    env_wait_for test "$(grep -c "^/$PK/$1/data {\"attr_name\":\"temperature\"" "$W/sub.log")" -ge "$2"
}
nothing_from() { ! grep -q "^/$PK/$1/" "$W/sub.log"; }
refused_in_log() { grep -q "id2_auth: .*refused.*$1" "$W/broker/mosquitto.log"; }

case "$scenario" in
modes)
    setup trustm
    device dev-aes aes
    aes_dev=$CHIP_DEV
    device dev-rsa rsa
    rsa_dev=$CHIP_DEV
    quiet env_issue "$PK" dev-secret secret
    secret=$(cat "$DEV_DIR/device_secret.txt")
    for mode in v5 ts psk; do
        for c in aes rsa; do
            dev=$aes_dev
            [ "$c" = rsa ] && dev=$rsa_dev
            before=$(grep -c "^/$PK/dev-$c/data {\"attr_name\"" "$W/sub.log")
            rc=$(app "dev-$c" "$mode" "$c" "$dev")
            check "$mode/$c: mqttapp exit 0 (got $rc)" test "$rc" -eq 0
            check "$mode/$c: 2 temperature messages arrived" arrived "dev-$c" $((before + 2))
        done
    done
    check "v5/aes: the device verified the broker's proof" grep -q "Verify ID2 server authCode OK" "$W/app.dev-aes.v5.log"
    # the same with the Shielded Connection between host and chip (the seed had to switch it off)
    quiet "$CLI" -d "$aes_dev" pair --pbs-file "$W/pbs.hex"
    before=$(grep -c "^/$PK/dev-aes/data {\"attr_name\"" "$W/sub.log")
    rc=$(app dev-aes v5 aes "$aes_dev" --protect full --pbs-file "$W/pbs.hex" -f 20)
    check "v5/aes over the Shielded Connection at frame 20: exit 0 (got $rc)" test "$rc" -eq 0
    check "v5/aes shielded: 2 temperature messages arrived" arrived dev-aes $((before + 2))
    rc=$(app dev-secret secret none "" --device-secret "$secret")
    check "secret: mqttapp exit 0 (got $rc)" test "$rc" -eq 0
    check "secret: 2 temperature messages arrived" arrived dev-secret 2
    rc=$(app dev-secret secret none "" --device-secret "x$secret")
    check "secret: a wrong device secret is refused (exit 3, got $rc)" test "$rc" -eq 3
    ;;
refusals)
    setup trustm
    quiet env_issue "$PK" dev-a aes
    a_dir=$DEV_DIR
    quiet env_issue "$PK" dev-b aes
    b_dir=$DEV_DIR
    # wrong key: the chip holds dev-a's ID2 with dev-b's key
    mkdir -p "$W/mixed"
    cp "$a_dir/device_id.txt" "$W/mixed/"
    cp "$b_dir/aes_key.txt" "$W/mixed/"
    quiet env_chip wrongkey none
    quiet env_provision "$CHIP_DEV" "$W/mixed" aes || { echo "provisioning the mixed chip failed"; exit 1; }
    for mode in v5 ts psk; do
        rc=$(app dev-a "$mode" aes "$CHIP_DEV")
        check "wrong key, $mode: refused (exit 3, got $rc)" test "$rc" -eq 3
    done
    check "wrong key: the broker logged why" refused_in_log "signature does not verify"
    # unknown ID2: a device from another registry
    reg=$ID2_REGISTRY key=$ID2_MASTER_KEY
    mkdir -p "$W/other"
    export ID2_REGISTRY="$W/other.sqlite" ID2_MASTER_KEY="$W/other.key"
    quiet "$KDC" init
    quiet "$KDC" issue --product "$PK" --name dev-x --type aes --out-dir "$W/other"
    export ID2_REGISTRY=$reg ID2_MASTER_KEY=$key
    quiet env_chip unknown none
    quiet env_provision "$CHIP_DEV" "$W/other/dev-x" aes || { echo "provisioning dev-x failed"; exit 1; }
    for mode in v5 ts psk; do
        rc=$(app dev-x "$mode" aes "$CHIP_DEV")
        check "unknown ID2, $mode: refused (exit 3, got $rc)" test "$rc" -eq 3
    done
    # revoked
    device dev-r aes
    rc=$(app dev-r v5 aes "$CHIP_DEV")
    check "before revocation: accepted (got $rc)" test "$rc" -eq 0
    quiet "$KDC" revoke "$PK/dev-r"
    for mode in v5 ts psk; do
        rc=$(app dev-r "$mode" aes "$CHIP_DEV")
        check "revoked, $mode: refused (exit 3, got $rc)" test "$rc" -eq 3
    done
    check "revoked: the broker logged why" refused_in_log "revoked"
    # a genuine chip claiming another device's name
    rc=$(app dev-b v5 aes "$CHIP_DEV")
    check "another device's name (v5): refused (exit 3, got $rc)" test "$rc" -eq 3
    rc=$(app dev-b ts aes "$CHIP_DEV")
    check "another device's name (ts): refused (exit 3, got $rc)" test "$rc" -eq 3
    check "nothing of the refused devices reached the subscriber" nothing_from dev-x
    ;;
restart)
    setup
    device dev-r aes
    n=12
    timeout 180 "$MQTTAPP" --device "$CHIP_DEV" --product "$PK" --name dev-r --host 127.0.0.1 \
        --port "$BROKER_PORT" --ca "$W/pki/ca.pem" --server-name localhost --mode v5 --count $n \
        --period 250 --backoff-ms 200,1000 >"$W/app.log" 2>&1 &
    app_pid=$!
    env_wait_for grep -q -- '-----cnt 1 = 3 -----' "$W/app.log"
    env_stop "$BROKER_PID"
    echo "broker stopped after $(grep -c -- '-----cnt 1 =' "$W/app.log") temperature message(s) of $n"
    sleep 1
    env_broker_start || exit 1
    wait "$app_pid"
    rc=$?
    check "mqttapp finished (exit 0, got $rc)" test "$rc" -eq 0
    check "mqttapp reconnected" grep -q "MQTT reconnect" "$W/app.log"
    all=1
    for i in $(seq 1 $n); do
        env_wait_for grep -q "\"attr_value\":\"$i\"}" "$W/sub.log" || { echo "temperature $i lost"; all=0; }
    done
    check "all $n QoS 1 messages arrived across the restart" test $all -eq 1
    ;;
forged)
    quiet env_registry
    device dev-f aes
    port=$(env_free_port)
    "$B/tests/e2e/fake_broker" "$port" >"$W/fake.log" 2>&1 &
    fake=$!
    ENV_PIDS+=("$fake")
    env_wait_for grep -q listening "$W/fake.log"   # (a probe connection would use up its one accept)
    timeout 60 "$MQTTAPP" --device "$CHIP_DEV" --product "$PK" --name dev-f --host 127.0.0.1 --port "$port" \
        --plain --mode v5 --count 1 --period 100 --connect-attempts 1 >"$W/app.log" 2>&1
    rc=$?
    wait "$fake"
    frc=$?
    check "the device refused the forged proof (exit 3, got $rc)" test "$rc" -eq 3
    check "the device said why" grep -q "Verify ID2 server authCode FAILED" "$W/app.log"
    check "the device published nothing and sent DISCONNECT 0x87 (fake broker exit $frc)" test "$frc" -eq 0
    cat "$W/fake.log"
    ;;
*)
    echo "e2e.sh: unknown scenario '$scenario'" >&2
    exit 2
    ;;
esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
