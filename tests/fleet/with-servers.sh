#!/usr/bin/env bash
# with-servers.sh BUILD SERVERS CMD... - start the servers a fleet test needs on 127.0.0.1, run
# CMD with their addresses in the environment, stop them by PID, remove the work folder.
#   SERVERS: comma-separated subset of
#     pg      PostgreSQL: ID2_TEST_PG_URL (database id2test)
#     rabbit  epmd + one RabbitMQ node with MQTT on FLEET_MQTT_PORT whose HTTP auth backend is
#             http://127.0.0.1:$FLEET_AUTH_PORT/auth (the test starts id2-authd there)
# CMD gets W (a private work folder, removed afterwards), B and EPMD_PORT in its environment.
# Exit 77 (ctest: skipped) with a printed reason when a server's package is missing.
set -uo pipefail
umask 077 # keys, passwords and the registry are created private
B=$(cd "$1" && pwd)
servers=$2
shift 2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/trustm-fleet.XXXXXX")
RUN=""
# shellcheck source=../../scripts/id2-env.sh
. "$ROOT/scripts/id2-env.sh"
# shellcheck source=../../scripts/fleet-env.sh
. "$ROOT/scripts/fleet-env.sh"
cleanup() { env_stop_all; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

case ",$servers," in *,pg,*)
    if ! fleet_have postgresql libpq-dev; then
        echo "SKIPPED: PostgreSQL not installed (scripts/deps.sh fleet)"
        exit 77
    fi
    fleet_pg_start || exit 1
    ID2_TEST_PG_URL=$(fleet_pg_createdb id2test) || exit 1
    export ID2_TEST_PG_URL
    ;;
esac
case ",$servers," in *,rabbit,*)
    if ! fleet_have rabbitmq-server; then
        echo "SKIPPED: RabbitMQ not installed (scripts/deps.sh fleet)"
        exit 77
    fi
    for t in curl mosquitto_pub mosquitto_sub; do
        command -v "$t" >/dev/null || { echo "SKIPPED: $t not installed (scripts/deps.sh fleet demo)"; exit 77; }
    done
    fleet_epmd_start || exit 1
    FLEET_AUTH_PORT=$(env_free_port)
    fleet_rmq_node r1 "http://127.0.0.1:$FLEET_AUTH_PORT/auth" || exit 1
    FLEET_MQTT_PORT=${RMQ_MQTT_PORT[r1]}
    export FLEET_AUTH_PORT FLEET_MQTT_PORT EPMD_PORT
    ;;
esac
export W B
"$@"
