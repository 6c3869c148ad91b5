#!/usr/bin/env bash
# make demo: the seed's scenario end to end on a simulated OPTIGA Trust M2 ID2.
#   1. a simulated chip and its daemon (the same socket port a real chip's I2C would be)
#   2. the key registry issues an ID2 identity (device id + AES-128 key) for the seed's device
#   3. protected update (seed 5.2): trustm-protupd signs the key data set, trustm id2-provision
#      writes the ID2 into F1D0 and the key into E200
#   4. a local CA and a broker certificate; mosquitto on 127.0.0.1 (free port) with TLS and the
#      ID2 plugin, an operator account for the subscriber
#   5. mqttapp authenticates with the chip's ID2 key (MQTT 5 enhanced auth, mutual) and sends
#      the demo's messages while the operator's subscriber shows them arriving
#   6. one forged login, refused
#   7. everything it started is stopped; what it made stays in build/demo (README there)
# DEMO_TIMING=realistic: chip timing model on (datasheet, 400 kHz) and 20-byte I2C frames.
# DEMO_COUNT=N: temperature messages (default 3). DEMO_CRYPTO=rsa: RSA-1024 key in E0FC.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
timing=${DEMO_TIMING:-fast}
count=${DEMO_COUNT:-3}
crypto=${DEMO_CRYPTO:-aes}
pk=a1FCMDh4ypx
dn=IFXDeviceMqttTest

case "$timing" in
    fast) sim_timing=none; frame=277 ;;
    realistic) sim_timing=datasheet; frame=20 ;;
    *) echo "demo: DEMO_TIMING must be 'fast' or 'realistic'" >&2; exit 1 ;;
esac
case "$crypto" in
    aes|rsa) ;;
    *) echo "demo: DEMO_CRYPTO must be 'aes' or 'rsa'" >&2; exit 1 ;;
esac

demo="$build/demo"
rm -rf "$demo"
mkdir -p "$demo/logs"
B=$build
W=$demo
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$demo/##g; s#$build/##g"; "$@"; }
RUN=run
# shellcheck source=id2-env.sh
. "$(dirname "$0")/id2-env.sh"
for b in "$SIM" "$CLI" "$PROTUPD" "$KDC" "$PLUGIN" "$MQTTAPP"; do
    [ -e "$b" ] || { echo "demo: $b is not built (run 'make demo')" >&2; exit 1; }
done
for t in mosquitto_sub mosquitto_pub mosquitto_passwd openssl; do
    command -v "$t" >/dev/null 2>&1 || { echo "demo: '$t' is missing (scripts/deps.sh demo installs it)" >&2; exit 1; }
done
[ -x "$MOSQ" ] || { echo "demo: mosquitto is missing (scripts/deps.sh demo installs it)" >&2; exit 1; }
trap env_stop_all EXIT
trap 'exit 130' INT TERM

bold "1. a simulated chip and its daemon (timing: $sim_timing, frame size $frame)"
env_chip chip "$sim_timing"
export TRUSTM_DEVICE=$CHIP_DEV
echo "(trustm-sim serve --state chip.state --socket chip.sock --timing $sim_timing, pid $CHIP_PID)"
run "$CLI" -f "$frame" info | head -4

bold "2. the key registry issues the device's ID2 identity ($crypto)"
env_registry
env_issue "$pk" "$dn" "$crypto"
id2=$DEV_ID2
echo "ID2 = $id2"

bold "3. protected update (seed 5.2): sign the key data set, provision the chip"
env_provision "$CHIP_DEV" "$DEV_DIR" "$crypto" "$frame"
run "$CLI" -f "$frame" read F1D0 --hex

bold "4. a local CA, the broker's certificate, mosquitto with TLS and the ID2 plugin"
env_pki
env_broker_conf
env_broker_start
pki=$W/pki
port=$BROKER_PORT
oppass=$OPERATOR_PASSWORD
echo "mosquitto (pid $BROKER_PID) on 127.0.0.1:$port: TLS with pki/broker.pem (CA pki/ca.pem), plugin mosquitto_id2_auth.so"
echo "configuration: broker/mosquitto.conf"

bold "5. the operator's subscriber and the device (mqttapp, MQTT 5 + ID2, $count temperature messages)"
sub_log="$demo/logs/subscriber.log"
echo "\$ mosquitto_sub -u operator -t '/$pk/$dn/#' -q 1 -v &      (an operator account of mosquitto's password_file)"
env_subscriber "$sub_log" "/$pk/$dn/#"
echo "\$ mqttapp --device socket:chip.sock -f $frame --host 127.0.0.1 --port $port --server-name localhost --ca pki/ca.pem --mode v5 --crypto $crypto --count $count --period 1000 --stats"
set +e
"$MQTTAPP" --device "$CHIP_DEV" -f "$frame" --host 127.0.0.1 --port "$port" \
    --server-name localhost --ca "$pki/ca.pem" --mode v5 --crypto "$crypto" --count "$count" \
    --period 1000 --stats 2>&1 | tee "$demo/logs/mqttapp.log"
app_rc=${PIPESTATUS[0]}
set -e
env_wait_for test "$(grep -c '"attr_name":"temperature"' "$sub_log")" -ge "$count" || true
echo
echo "-- what the operator's subscriber received (logs/subscriber.log):"
cat "$sub_log"
temps=$(grep -c '"attr_name":"temperature"' "$sub_log" || true)

bold "6. a forged login: the same device name, an auth code not made by its chip"
forged="3~2~ABABABABABABABAB~$(date +%s)000~kFNcIOvYr7dVTGUCrnierlSHczCfoQUZlWZ1umFRqimVT2Ty5Ohunu6C0gIWaEiZ"
cid="$pk.$dn|securemode=2,timestamp=$(date +%s)000,signmethod=hmacsha256,gw=0,ext=0,authtype=id2|"
echo "\$ mosquitto_pub -u '$dn&$pk' -P '<forged timestamp auth code>' -t /$pk/$dn/data -m 'forged'"
set +e
mosquitto_pub -h 127.0.0.1 -p "$port" --cafile "$pki/ca.pem" -V mqttv311 -i "$cid" \
    -u "$dn&$pk" -P "$forged" -t "/$pk/$dn/data" -m forged 2>&1 | tee "$demo/logs/forged.log"
forged_rc=${PIPESTATUS[0]}
set -e
sleep 0.3
echo "-- the broker's log says:"
grep 'id2_auth' "$W/broker/mosquitto.log" | grep -i 'refused' | tail -2 || true

bold "7. stop everything"
env_stop_all
cp "$W/broker/mosquitto.log" "$W/logs/mosquitto.log" 2>/dev/null || true
cp "$W/chip.sim.log" "$W/logs/trustm-sim.log" 2>/dev/null || true
echo "simulator daemon, broker and subscriber stopped"
case "$crypto" in
    aes) target=E200; keyfile=aes_key.txt; key_algo=129; key_usage=02 ;;
    *) target=E0FC; keyfile=rsa_key.pem; key_algo=65; key_usage=12 ;;
esac
cat >"$demo/README.md" <<EOF
# What \`make demo\` made, and how to rerun each piece by hand

Paths are relative to this folder; the programs are in \`$build\` (\`sim/trustm-sim\`,
\`tools/trustm/trustm\`, \`tools/protupd/trustm-protupd\`, \`cloud/kdc/id2-kdc\`,
\`apps/mqttapp/mqttapp\`, \`cloud/mosquitto/mosquitto_id2_auth.so\`).

- \`chip.state\` — the simulated chip, provisioned with ID2 $id2 and its $crypto key.
  Serve it: \`trustm-sim serve --state chip.state --socket chip.sock --timing $sim_timing &\`
  Look at it: \`TRUSTM_DEVICE=socket:chip.sock trustm info\`; \`trustm read F1D0 --hex\`.
- \`kdc/registry.sqlite\`, \`kdc/master.key\` (0600) — the ID2 key registry; device keys are
  encrypted under the master key: \`ID2_REGISTRY=kdc/registry.sqlite ID2_MASTER_KEY=kdc/master.key id2-kdc list\`
- \`kdc/devices/$dn/\` — what provisioning needs; \`kdc/dataset/$dn/\` — the signed key data set:
  \`trustm-protupd payload_version=3 trust_anchor_oid=E0E3 target_oid=$target sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256 priv_key=pki/update_signer.pem payload_type=key key_algo=$key_algo key_usage=$key_usage key_data=kdc/devices/$dn/$keyfile --out-dir=kdc/dataset/$dn --format=none\`
  \`trustm id2-provision --device-id $id2 --cert pki/update_signer_cert.pem --key $crypto --manifest kdc/dataset/$dn/manifest.bin --fragment kdc/dataset/$dn/fragment_01.bin\`
- \`pki/\` — the local CA (\`ca.pem\`), the broker's certificate, the update signer.
- \`broker/mosquitto.conf\` — \`mosquitto -c broker/mosquitto.conf\` (127.0.0.1:$port; the
  operator's password is in \`broker/operator.password\`).
- The device: \`mqttapp --device socket:chip.sock --host 127.0.0.1 --port $port --server-name localhost --ca pki/ca.pem --mode v5 --count 3\`
- The operator: \`mosquitto_sub -h 127.0.0.1 -p $port --cafile pki/ca.pem -u operator -P \$(cat broker/operator.password) -t '/$pk/$dn/#' -v\`
- \`logs/\` — mqttapp.log, subscriber.log, mosquitto.log, forged.log, trustm-sim.log.
EOF

echo
ok=1
if [ "$app_rc" -eq 0 ] && [ "$temps" -ge "$count" ]; then
    echo "demo: the device authenticated with its chip-held ID2 key; the subscriber received $temps temperature message(s)"
else
    echo "demo: FAILED: mqttapp exit code $app_rc, $temps of $count temperature messages arrived" >&2
    ok=0
fi
if [ "$forged_rc" -ne 0 ]; then
    echo "demo: the forged login was refused"
else
    echo "demo: FAILED: the forged login was accepted" >&2
    ok=0
fi
echo "demo: everything it made is in $demo (README.md there says how to rerun each piece)"
[ "$ok" -eq 1 ]
