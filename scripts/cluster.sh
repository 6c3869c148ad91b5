#!/usr/bin/env bash
# cluster.sh up|down|status [BUILD [DIR]] - the fleet's cluster on 127.0.0.1 (docs/SCALE.md):
# PostgreSQL (the registry), a private epmd, three RabbitMQ nodes clustered with MQTT and the
# HTTP auth backend, and two id2-authd instances sharing one address (SO_REUSEPORT), both
# serving the device console. Everything lives in DIR (default BUILD/cluster); `up`
# writes DIR/cluster.env (addresses, PIDs, credentials) and `down` stops every process it
# started, by PID, and removes DIR. Nothing else is touched.
set -uo pipefail
umask 077 # keys, passwords and the registry are created private
cmd=${1:-}
B=$(cd "${2:-build}" && pwd) || { echo "cluster.sh: no build folder ${2:-build}" >&2; exit 2; }
CW=${3:-$B/cluster}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

stop_pid() { # PID [SIGNAL]: signal, wait up to 30 s, then SIGKILL
    local p=$1 sig=${2:-TERM} i
    kill -0 "$p" 2>/dev/null || return 0
    kill -"$sig" "$p" 2>/dev/null
    for i in $(seq 1 300); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
}

down() {
    [ -f "$CW/pids" ] || { echo "cluster.sh: no cluster in $CW"; rm -rf "$CW"; return 0; }
    local pids p
    mapfile -t pids <"$CW/pids"
    # reverse start order: id2-authd, RabbitMQ nodes, epmd, PostgreSQL
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        p=${pids[$i]}
        [ -n "$p" ] && stop_pid "$p"
    done
    rm -rf "$CW"
    echo "cluster.sh: cluster in $CW stopped"
}

up() {
    [ -e "$CW/pids" ] && { echo "cluster.sh: a cluster runs in $CW already (cluster.sh down first)" >&2; return 1; }
    [ -x "$B/cloud/authd/id2-authd" ] && [ -x "$B/cloud/kdc/id2-kdc" ] ||
        { echo "cluster.sh: build id2-authd and id2-kdc first" >&2; return 1; }
    mkdir -p "$CW"
    chmod 700 "$CW"
    W=$CW
    RUN=
    # shellcheck source=id2-env.sh
    . "$ROOT/scripts/id2-env.sh"
    # shellcheck source=fleet-env.sh
    . "$ROOT/scripts/fleet-env.sh"
    fleet_have postgresql rabbitmq-server ||
        { echo "cluster.sh: PostgreSQL / RabbitMQ missing (scripts/deps.sh fleet)" >&2; return 1; }
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    failed() { echo "cluster.sh: $*" >&2; printf '%s\n' "${ENV_PIDS[@]}" >"$CW/pids"; down >/dev/null; exit 1; }
    local t0=$SECONDS
    fleet_pg_start || failed "PostgreSQL did not start"
    printf '%s\n' "${ENV_PIDS[@]}" >"$CW/pids"
    REG=$(fleet_pg_createdb id2) || failed "createdb failed"
    mkdir -p "$CW/kdc" && chmod 700 "$CW/kdc"
    export ID2_REGISTRY=$REG ID2_MASTER_KEY=$CW/kdc/master.key
    "$KDC" init >/dev/null || failed "id2-kdc init failed"
    OPW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s' "$OPW" >"$CW/operator.pw"
    chmod 600 "$CW/operator.pw"
    echo "$OPW" | "$AUTHD" passwd operator >"$CW/operators"
    chmod 600 "$CW/operators"
    fleet_epmd_start || failed "epmd did not start"
    AUTH_PORT=$(env_free_port)
    local n
    for n in r1 r2 r3; do
        fleet_rmq_node "$n" "http://127.0.0.1:$AUTH_PORT/auth" || failed "RabbitMQ node $n did not start"
        printf '%s\n' "${ENV_PIDS[@]}" >"$CW/pids"
    done
    fleet_rmq_join r2 r1 || failed "r2 did not join"
    fleet_rmq_join r3 r1 || failed "r3 did not join"
    fleet_rmqctl r1 cluster_status >"$CW/cluster_status.txt" 2>&1
    grep -q "r3@localhost" "$CW/cluster_status.txt" || failed "cluster incomplete"
    # Both instances watch the data topics (through r1) so that the console, whichever instance
    # the browser reaches, shows the same messages.
    local authd_args=(--master-key "$ID2_MASTER_KEY" --operators "$CW/operators" --threads 4
        --watch "127.0.0.1:${RMQ_MQTT_PORT[r1]}" --watch-user operator --watch-password-file "$CW/operator.pw")
    fleet_authd "$AUTH_PORT" "$REG" "${authd_args[@]}" || failed "id2-authd 1 did not start"
    fleet_authd "$AUTH_PORT" "$REG" "${authd_args[@]}" || failed "id2-authd 2 did not start"
    printf '%s\n' "${ENV_PIDS[@]}" >"$CW/pids"
    local beam
    {
        echo "# written by scripts/cluster.sh up; secrets: keep private"
        echo "CLUSTER_DIR=$CW"
        echo "ID2_REGISTRY='$REG'"
        echo "ID2_MASTER_KEY=$ID2_MASTER_KEY"
        echo "OPERATOR=operator"
        echo "OPERATOR_PASSWORD_FILE=$CW/operator.pw"
        echo "AUTH_URL=http://127.0.0.1:$AUTH_PORT"
        echo "CONSOLE_URL=http://127.0.0.1:$AUTH_PORT/console"
        echo "AUTHD_PIDS='${AUTHD_PIDS[*]}'"
        echo "EPMD_PORT=$EPMD_PORT"
        for n in r1 r2 r3; do
            beam=$(cat "$CW/rmq/$n/rabbit.pid" 2>/dev/null)
            echo "MQTT_$n=127.0.0.1:${RMQ_MQTT_PORT[$n]}"
            echo "BEAM_$n=$beam"
        done
        echo "MQTT_ALL=127.0.0.1:${RMQ_MQTT_PORT[r1]},127.0.0.1:${RMQ_MQTT_PORT[r2]},127.0.0.1:${RMQ_MQTT_PORT[r3]}"
    } >"$CW/cluster.env"
    chmod 600 "$CW/cluster.env"
    echo "cluster.sh: up in $((SECONDS - t0)) s: PostgreSQL, RabbitMQ r1 r2 r3 (MQTT ${RMQ_MQTT_PORT[r1]}" \
        "${RMQ_MQTT_PORT[r2]} ${RMQ_MQTT_PORT[r3]}), id2-authd x2 on $AUTH_PORT; console" \
        "http://127.0.0.1:$AUTH_PORT/console (operator, password in $CW/operator.pw); details $CW/cluster.env"
}

case "$cmd" in
    up) up ;;
    down) down ;;
    status) [ -f "$CW/cluster.env" ] && cat "$CW/cluster.env" || { echo "no cluster in $CW"; exit 1; } ;;
    *) echo "usage: cluster.sh up|down|status [BUILD [DIR]]" >&2; exit 2 ;;
esac
