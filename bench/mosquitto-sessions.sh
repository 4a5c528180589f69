#!/usr/bin/env bash
# Mosquitto with N offline persistent sessions, one QoS 1 subscription each (cmd/<id>/#, clean session off), for
# beside Sluice's 1M-sessions figures in docs/DELIVERY.md (bench-sessions --subscribed). Runs
# `sluice-sim bench-mosquitto-sessions`, which starts Mosquitto (persistence true, set_tcp_nodelay true) on a free
# port, makes the sessions with the HiveMQ client a few thousand at a time, and reports Mosquitto's VmRSS before and
# after, the store (mosquitto.db) after a SIGTERM, and restart-to-ready (start of `mosquitto -c` on that store to
# an accepted CONNECT) with VmRSS then. Environment: SESSIONS (default 100000), CONCURRENCY (default 2000); further
# arguments go to the command (see `bench/sim.sh bench-mosquitto-sessions --help`).
set -euo pipefail
export PATH="$PATH:/usr/sbin"
cd "$(dirname "$0")/.."
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec bench/sim.sh bench-mosquitto-sessions --sessions "${SESSIONS:-100000}" --concurrency "${CONCURRENCY:-1000}" "$@"
