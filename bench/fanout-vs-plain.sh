#!/usr/bin/env bash
# The fan-out (Kafka -> QuestDB through Sluice's micro-batched writers) against a plain program writing the same
# points to the same QuestDB with the InfluxDB client's blocking API, alternating in one run. Starts its own local
# Kafka broker and QuestDB. Extra arguments go to `sluice-sim bench-fanout` (e.g. --points 1000000 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
# Both writers run in this one JVM. It starts with a 4 GiB heap, as a fan-out that has run a while has grown to:
# from the JVM's default start (1/64 of RAM) each short round would mostly measure G1 growing the heap, with
# concurrent marking cycles over the plain writer's prebuilt lines (override with SLUICE_SIM_JAVA_OPTS).
export SLUICE_SIM_JAVA_OPTS="${SLUICE_SIM_JAVA_OPTS:--Xms4g}"
exec bench/sim.sh bench-fanout "$@"
