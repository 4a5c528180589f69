#!/usr/bin/env bash
# Kept for the commands already written down: bench-qos1 now runs Mosquitto, the Moquette bridge and Sluice, and
# the ProducerPerformance ceiling; see bench/qos1-peers.sh. Extra arguments go to `sluice-sim bench-qos1`.
exec "$(dirname "$0")/qos1-peers.sh" "$@"
