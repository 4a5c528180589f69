#!/usr/bin/env bash
# The fan-out (Kafka -> QuestDB through Sluice's micro-batched writers) against a plain program writing the same
# points to the same QuestDB with the InfluxDB client's blocking API, alternating in one run. Starts its own local
# Kafka broker and QuestDB. Extra arguments go to `sluice-sim bench-fanout` (e.g. --points 1000000 --workers 2).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/sim.sh bench-fanout "$@"
