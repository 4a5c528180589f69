#!/usr/bin/env bash
# The fan-out (Kafka -> InfluxDB 1.x through Sluice's micro-batched v1 writer) against a plain program writing the same
# points to the same InfluxDB with blocking JDK HTTP POSTs to /write, and against the relay ceiling (the log read,
# prebuilt lines written), alternating in one run. Starts its own local Kafka broker and InfluxDB (Debian's influxd,
# `apt-get install influxdb`). Extra arguments go to `sluice-sim bench-fanout` (e.g. --points 1000000 --rounds 5).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v influxd >/dev/null || { echo "needs influxd (Debian: apt-get install influxdb)" >&2; exit 1; }
export SLUICE_SIM_JAVA_OPTS="${SLUICE_SIM_JAVA_OPTS:--Xms4g}"
exec bench/sim.sh bench-fanout --tsdb influxdb --relay-baseline "$@"
