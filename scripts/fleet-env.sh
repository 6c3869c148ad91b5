# fleet-env.sh - shell functions that start the fleet's servers on 127.0.0.1, each with free
# ports and its data in a private work folder, and stop them by PID: PostgreSQL (initdb +
# postgres, as `nobody` when run as root), epmd + RabbitMQ nodes (MQTT, HTTP auth backend,
# clustering), id2-authd. Used by the fleet tests (tests/fleet/), make cluster-up/-down
# (scripts/cluster.sh) and make fleet (scripts/fleet.sh). Source it from bash after setting:
#   B  the build folder (absolute)        W  a private work folder (absolute)
# and source scripts/id2-env.sh first (env_free_port, env_wait_for, ENV_PIDS, env_stop_all).
# Every process started here is added to ENV_PIDS.

AUTHD="$B/cloud/authd/id2-authd"
RMQ_BIN=/usr/lib/rabbitmq/bin

# fleet_have PACKAGE...: 0 when every Debian package is installed.
fleet_have() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
}

# ---------------------------------------------------------------- PostgreSQL

# fleet_pg_start: a private PostgreSQL in $W/pg on a free port; sets PG_URL, PG_PID, PG_PORT.
# The password of the `postgres` role is random (scram-sha-256 over TCP, only 127.0.0.1).
fleet_pg_start() {
    local bin dir=$W/pg as=()
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -x "$bin/initdb" ] || { echo "fleet-env: PostgreSQL not installed (apt-get install postgresql)" >&2; return 1; }
    mkdir -p "$dir/data"
    local pw
    pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$pw" >"$dir/pwfile"
    chmod 700 "$dir" "$dir/data"
    chmod 600 "$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root: the data belongs to nobody; the work folder must
        # be traversable (not listable) for it.
        chmod 711 "$W"
        chown -R nobody:nogroup "$dir"
        as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    fi
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
    PG_PORT=$(env_free_port)
    "${as[@]}" "$bin/postgres" -D "$dir/data" -k "$dir" -h 127.0.0.1 -p "$PG_PORT" \
        -c fsync=off -c max_connections=200 -c shared_buffers=64MB >"$dir/postgres.log" 2>&1 &
    PG_PID=$!
    ENV_PIDS+=("$PG_PID")
    PG_URL="postgresql://postgres:$pw@127.0.0.1:$PG_PORT/postgres"
    local i
    for i in $(seq 1 200); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && return 0
        kill -0 "$PG_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "fleet-env: PostgreSQL did not start:" >&2
    cat "$dir/postgres.log" >&2
    return 1
}

# fleet_pg_createdb NAME: a new database; prints its URL.
fleet_pg_createdb() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    PGPASSWORD=${PG_URL#postgresql://postgres:} PGPASSWORD=${PGPASSWORD%%@*} \
        "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1" || return 1
    echo "${PG_URL%/postgres}/$1"
}

# ---------------------------------------------------------------- RabbitMQ

# fleet_epmd_start: a private epmd on 127.0.0.1 and a free port; sets EPMD_PORT, EPMD_PID.
fleet_epmd_start() {
    EPMD_PORT=$(env_free_port)
    epmd -address 127.0.0.1 -port "$EPMD_PORT" >"$W/epmd.log" 2>&1 &
    EPMD_PID=$!
    ENV_PIDS+=("$EPMD_PID")
    env_wait_for env_port_open "$EPMD_PORT" || { echo "fleet-env: epmd did not start" >&2; return 1; }
    # A private Erlang cookie shared by the nodes and rabbitmqctl.
    mkdir -p "$W/rmq-home"
    chmod 700 "$W/rmq-home"
    od -An -N20 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F' >"$W/rmq-home/.erlang.cookie"
    chmod 400 "$W/rmq-home/.erlang.cookie"
}

# The environment of node NAME (rabbitmq-server and rabbitmqctl alike).
fleet_rmq_env() {
    local name=$1 d=$W/rmq/$1
    echo "HOME=$W/rmq-home RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_NODENAME=$name@localhost" \
        "RABBITMQ_USE_LONGNAME=false ERL_EPMD_PORT=$EPMD_PORT ERL_EPMD_ADDRESS=127.0.0.1" \
        "RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf" \
        "RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins" \
        "RABBITMQ_PID_FILE=$d/rabbit.pid RABBITMQ_NODE_IP_ADDRESS=127.0.0.1"
}

# fleet_rmqctl NAME ARGS...: rabbitmqctl against node NAME (the real one, not the wrapper that
# switches to the rabbitmq user's cookie).
fleet_rmqctl() {
    local name=$1
    shift
    env $(fleet_rmq_env "$name") \
        RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        "$RMQ_BIN/rabbitmqctl" -n "$name@localhost" "$@"
}

# fleet_rmq_node NAME AUTH_URL: start node NAME with MQTT on a free port (RMQ_MQTT_PORT[NAME])
# and the HTTP auth backend at AUTH_URL (".../auth"); waits until it serves. Sets RMQ_PID[NAME].
declare -gA RMQ_PID RMQ_MQTT_PORT
fleet_rmq_node() {
    local name=$1 auth=$2 d=$W/rmq/$1
    mkdir -p "$d/mnesia" "$d/log"
    local amqp mqtt dist
    amqp=$(env_free_port)
    mqtt=$(env_free_port)
    dist=$(env_free_port)
    RMQ_MQTT_PORT[$name]=$mqtt
    cat >"$d/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$amqp
mqtt.listeners.tcp.default = 127.0.0.1:$mqtt
mqtt.allow_anonymous = false
mqtt.vhost = /
mqtt.exchange = amq.topic
loopback_users = none
auth_backends.1 = http
auth_http.http_method = post
auth_http.user_path = $auth/user
auth_http.vhost_path = $auth/vhost
auth_http.resource_path = $auth/resource
auth_http.topic_path = $auth/topic
log.console = false
log.file.level = info
CONF
    echo "[{kernel, [{inet_dist_use_interface, {127,0,0,1}}, {inet_dist_listen_min, $dist}, {inet_dist_listen_max, $dist}]}]." \
        >"$d/advanced.config"
    echo "[rabbitmq_mqtt,rabbitmq_auth_backend_http]." >"$d/enabled_plugins"
    env $(fleet_rmq_env "$name") RABBITMQ_DIST_PORT="$dist" \
        "$RMQ_BIN/rabbitmq-server" >"$d/stdout.log" 2>&1 &
    RMQ_PID[$name]=$!
    ENV_PIDS+=("${RMQ_PID[$name]}")
    local i
    for i in $(seq 1 600); do
        env_port_open "$mqtt" && return 0
        kill -0 "${RMQ_PID[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "fleet-env: RabbitMQ node $name did not start:" >&2
    tail -20 "$d/stdout.log" "$d"/log/*.log >&2 2>/dev/null
    return 1
}

# fleet_rmq_join NAME SEED: make node NAME join SEED's cluster.
fleet_rmq_join() {
    fleet_rmqctl "$1" stop_app >/dev/null &&
        fleet_rmqctl "$1" join_cluster "$2@localhost" >/dev/null &&
        fleet_rmqctl "$1" start_app >/dev/null
}

# ---------------------------------------------------------------- id2-authd

# fleet_authd PORT REGISTRY [ARGS...]: one id2-authd on 127.0.0.1:PORT (several instances may
# share the port: SO_REUSEPORT); appends its PID to AUTHD_PIDS.
AUTHD_PIDS=()
fleet_authd() {
    local port=$1 reg=$2 n=${#AUTHD_PIDS[@]}
    shift 2
    "$AUTHD" --listen "127.0.0.1:$port" --registry "$reg" "$@" >>"$W/authd$n.log" 2>&1 &
    AUTHD_PIDS+=($!)
    ENV_PIDS+=($!)
    env_wait_for env_port_open "$port" || { echo "fleet-env: id2-authd did not start:" >&2; cat "$W/authd$n.log" >&2; return 1; }
}
