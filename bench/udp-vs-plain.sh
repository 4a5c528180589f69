#!/usr/bin/env bash
# Line-protocol UDP into Kafka through Sluice against a plain Netty epoll receiver that only counts, at the same
# offered rate, alternating, each server its own JVM (CPU from /proc). Starts its own local Kafka broker.
# Extra arguments go to `sluice-sim bench-udp` (e.g. --rate 50000 --seconds 10 --rounds 3).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/sim.sh bench-udp "$@"
