#!/usr/bin/env bash
# Faults for real against `sluice run` (a child JVM) with real Kafka and the fan-out to a real QuestDB, while a QoS 1
# neighbour publishes at a fixed rate; every scenario ends with the loss audit against Kafka and the TSDB's exact
# count. One scenario alone or all of them:
#   bench/chaos.sh daemon-kill | broker-kill | kafka-down | tsdb-down | flood | all   [--smoke] [options]
#   bench/chaos.sh netfuzz [--inputs 1000000] [--seed N]   (network fuzzing of a running daemon)
# Extra arguments go to `sluice-sim chaos` (or `sluice-sim netfuzz`); `--smoke` gives short runs. The flood holds
# 15,000 connections plus 1,000 slow-loris sockets: the simulator and the daemon each need `ulimit -n` above 17,000.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { sed -n '2,8p' "$0"; exit 2; }
scenario="$1"; shift
if [ "$scenario" = netfuzz ]; then
  exec bench/sim.sh netfuzz "$@"
fi
exec bench/sim.sh chaos "$scenario" "$@"
