#!/bin/sh
# Install the Debian packages trustm needs, if they are missing.
#   scripts/deps.sh [core|test|cross|sanitize|demo|bench|format|fleet|ci]...   (default: core)
# As root it runs apt-get itself; otherwise it prints the exact command to run.
set -eu

core="build-essential cmake pkg-config libmbedtls-dev libcmocka-dev libgpiod-dev openssl libsqlite3-dev mosquitto-dev libmosquitto-dev"
# the broker tests and the demo run a real mosquitto and its command-line clients
broker="mosquitto mosquitto-clients"
cross="gcc-arm-none-eabi libnewlib-arm-none-eabi"
sanit="clang libclang-rt-14-dev"
demo="$broker"
bench="valgrind"
# make format / make format-check
format="clang-format"
# fleet: PostgreSQL registry, id2-authd (HTTP), RabbitMQ cluster, console test in headless Chromium
# (driven by a python3 script), curl for the HTTP checks
fleet="postgresql libpq-dev libmicrohttpd-dev rabbitmq-server chromium python3 curl"

want=""
[ $# -eq 0 ] && set -- core
for group in "$@"; do
    case "$group" in
        core) want="$want $core" ;;
        test) want="$want $core $broker $fleet" ;;
        cross) want="$want $cross" ;;
        sanitize) want="$want $sanit" ;;
        demo) want="$want $core $demo" ;;
        bench) want="$want $core $bench $cross" ;;
        format) want="$want $format" ;;
        fleet) want="$want $core $demo $fleet" ;;
        ci) want="$want $core $cross $sanit $demo $bench $format $fleet" ;;
        *) echo "deps.sh: unknown group '$group' (core, test, cross, sanitize, demo, bench, format, fleet, ci)" >&2; exit 2 ;;
    esac
done

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps.sh: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "deps.sh: missing Debian packages:$missing" >&2
    echo "deps.sh: run:  sudo apt-get install -y$missing" >&2
    exit 1
fi
