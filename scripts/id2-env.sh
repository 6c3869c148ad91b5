# id2-env.sh - shell functions shared by `make demo` (scripts/demo.sh), the end-to-end tests
# (tests/e2e/) and the connect benchmark: a simulated chip and its daemon, an ID2 identity from
# the registry provisioned into the chip by protected update, a local CA, and mosquitto with TLS
# and the ID2 plugin on 127.0.0.1. Source it from bash after setting:
#   B    the build folder (absolute)
#   W    a private work folder (absolute) that the caller removes
#   RUN  optional command prefix that shows each command before running it (the demo's `run`)
# Every process it starts is recorded in ENV_PIDS; env_stop_all stops them by PID.

ENV_PIDS=()
SIM="$B/sim/trustm-sim"
CLI="$B/tools/trustm/trustm"
PROTUPD="$B/tools/protupd/trustm-protupd"
KDC="$B/cloud/kdc/id2-kdc"
PLUGIN="$B/cloud/mosquitto/mosquitto_id2_auth.so"
MQTTAPP="$B/apps/mqttapp/mqttapp"
MOSQ=$(command -v mosquitto || echo /usr/sbin/mosquitto)

env_wait_for() { # CMD...: true within 10 s
    local i
    for i in $(seq 1 200); do "$@" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

env_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

env_free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 12000 ))   # below the ephemeral range
        env_port_open "$p" || { echo "$p"; return 0; }
    done
    echo "id2-env: no free port found" >&2
    return 1
}

env_stop() { # PID: SIGTERM, wait
    if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}

env_stop_all() {
    local p
    for p in "${ENV_PIDS[@]}"; do env_stop "$p"; done
    ENV_PIDS=()
}

# env_chip NAME TIMING: a new simulated chip served at $W/NAME.sock (TIMING none|datasheet).
# Sets CHIP_PID and CHIP_DEV (the device spec).
env_chip() {
    local name=$1 timing=${2:-none}
    $RUN "$SIM" init --state "$W/$name.state" --seed 2026 >/dev/null
    "$SIM" serve --state "$W/$name.state" --socket "$W/$name.sock" --timing "$timing" \
        >"$W/$name.sim.log" 2>&1 &
    CHIP_PID=$!
    ENV_PIDS+=("$CHIP_PID")
    env_wait_for test -S "$W/$name.sock" || { echo "id2-env: simulator daemon did not start" >&2; return 1; }
    CHIP_DEV="socket:$W/$name.sock"
}

# env_registry: master key + registry in $W/kdc (exported ID2_REGISTRY / ID2_MASTER_KEY).
env_registry() {
    mkdir -p "$W/kdc/devices" "$W/kdc/dataset"
    chmod 700 "$W/kdc"
    export ID2_REGISTRY="$W/kdc/registry.sqlite" ID2_MASTER_KEY="$W/kdc/master.key"
    $RUN "$KDC" init
}

# env_update_signer: the key that signs protected updates and its certificate (trust anchor).
env_update_signer() {
    mkdir -p "$W/pki"
    chmod 700 "$W/pki"
    [ -f "$W/pki/update_signer.pem" ] && return 0
    openssl req -x509 -newkey rsa:1024 -nodes -keyout "$W/pki/update_signer.pem" \
        -out "$W/pki/update_signer_cert.pem" -days 365 -subj "/CN=trustm update signer" 2>/dev/null
    chmod 600 "$W/pki/update_signer.pem"
}

# env_issue PK DN TYPE: a registry device (aes|rsa|secret); sets DEV_DIR and (ID2 types) DEV_ID2.
env_issue() {
    local pk=$1 dn=$2 type=$3
    $RUN "$KDC" issue --product "$pk" --name "$dn" --type "$type" --out-dir "$W/kdc/devices"
    DEV_DIR="$W/kdc/devices/$dn"
    DEV_ID2=""
    [ -f "$DEV_DIR/device_id.txt" ] && DEV_ID2=$(cat "$DEV_DIR/device_id.txt")
    return 0
}

# env_provision DEVSPEC DEVDIR TYPE [FRAME]: the seed's 5.2 flow: sign the key data set with the
# update signer, write the ID2 and the key into the chip.
env_provision() {
    local dev=$1 dir=$2 type=$3 frame=${4:-277} target keyfile algo usage
    case "$type" in
        aes) target=E200; keyfile=aes_key.txt; algo=129; usage=02 ;;
        rsa) target=E0FC; keyfile=rsa_key.pem; algo=65; usage=12 ;;
        *) echo "id2-env: cannot provision a '$type' device into a chip" >&2; return 1 ;;
    esac
    env_update_signer
    local ds="$W/kdc/dataset/$(basename "$dir")"
    mkdir -p "$ds"
    $RUN "$PROTUPD" payload_version=3 trust_anchor_oid=E0E3 target_oid="$target" \
        sign_algo=RSA-SSA-PKCS1-V1_5-SHA-256 priv_key="$W/pki/update_signer.pem" payload_type=key \
        key_algo="$algo" key_usage="$usage" key_data="$dir/$keyfile" --out-dir="$ds" --format=none
    $RUN "$CLI" -d "$dev" -f "$frame" id2-provision --device-id "$(cat "$dir/device_id.txt")" \
        --cert "$W/pki/update_signer_cert.pem" --key "$type" \
        --manifest "$ds/manifest.bin" --fragment "$ds/fragment_01.bin"
}

# env_pki: a local CA and a broker certificate for localhost / 127.0.0.1 (EC P-256).
env_pki() {
    local p="$W/pki"
    mkdir -p "$p"
    chmod 700 "$p"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$p/ca.key" \
        -out "$p/ca.pem" -days 365 -subj "/CN=trustm local CA" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$p/broker.key" \
        -out "$p/broker.csr" -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$p/broker.ext"
    openssl x509 -req -in "$p/broker.csr" -CA "$p/ca.pem" -CAkey "$p/ca.key" -CAcreateserial \
        -out "$p/broker.pem" -days 365 -extfile "$p/broker.ext" 2>/dev/null
    chmod 600 "$p"/*.key
}

# env_broker_conf [PSK_HINT]: $W/broker/mosquitto.conf with a TLS listener (certificate) on
# BROKER_PORT and, with a hint, a TLS-PSK listener on PSK_PORT; an operator account
# (OPERATOR_PASSWORD) in password_file/acl_file. Persistence on (restart tests).
env_broker_conf() {
    local hint=${1:-}
    mkdir -p "$W/broker"
    OPERATOR_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s' "$OPERATOR_PASSWORD" >"$W/broker/operator.password"
    : >"$W/broker/passwd"
    chmod 600 "$W/broker/operator.password" "$W/broker/passwd"
    mosquitto_passwd -b "$W/broker/passwd" operator "$OPERATOR_PASSWORD"
    printf 'user operator\ntopic readwrite #\n' >"$W/broker/acl"
    BROKER_PORT=$(env_free_port)
    cat >"$W/broker/mosquitto.conf" <<EOF
# trustm: TLS on 127.0.0.1, ID2 devices through the plugin, operators through files
per_listener_settings false
allow_anonymous false
user $(id -un)
persistence true
persistence_location $W/broker/
autosave_interval 1
log_dest file $W/broker/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
password_file $W/broker/passwd
acl_file $W/broker/acl
plugin $PLUGIN
plugin_opt_registry $ID2_REGISTRY
plugin_opt_master_key $ID2_MASTER_KEY
plugin_opt_window 300
listener $BROKER_PORT 127.0.0.1
certfile $W/pki/broker.pem
keyfile $W/pki/broker.key
cafile $W/pki/ca.pem
EOF
    PSK_PORT=""
    if [ -n "$hint" ]; then
        PSK_PORT=$(env_free_port)
        cat >>"$W/broker/mosquitto.conf" <<EOF
listener $PSK_PORT 127.0.0.1
psk_hint $hint
use_identity_as_username true
EOF
    fi
}

# env_broker_start: start mosquitto on the configuration above; sets BROKER_PID.
env_broker_start() {
    if [ -n "${TRUSTM_BROKER_PRELOAD:-}" ]; then # sanitizer builds: the plugin is instrumented
        LD_PRELOAD=$TRUSTM_BROKER_PRELOAD ASAN_OPTIONS=detect_leaks=0 \
            "$MOSQ" -c "$W/broker/mosquitto.conf" >>"$W/broker/mosquitto.stdout" 2>&1 &
    else
        "$MOSQ" -c "$W/broker/mosquitto.conf" >>"$W/broker/mosquitto.stdout" 2>&1 &
    fi
    BROKER_PID=$!
    ENV_PIDS+=("$BROKER_PID")
    if ! env_wait_for env_port_open "$BROKER_PORT"; then
        echo "id2-env: mosquitto did not start:" >&2
        cat "$W/broker/mosquitto.stdout" "$W/broker/mosquitto.log" >&2 2>/dev/null || true
        return 1
    fi
}

# env_subscriber LOG [FILTER]: the operator's subscriber (persistent session, QoS 1); SUB_PID.
env_subscriber() {
    local log=$1 filter=${2:-#}
    stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" --cafile "$W/pki/ca.pem" -u operator -P "$OPERATOR_PASSWORD" \
        -i "operator-$$" -c -q 1 -v -t "$filter" >"$log" 2>&1 &
    SUB_PID=$!
    ENV_PIDS+=("$SUB_PID")
    env_wait_for grep -q "operator-$$" "$W/broker/mosquitto.log"
}
