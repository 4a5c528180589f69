#!/usr/bin/env bash
# QoS 1 against its peers on this machine, one command: Sluice (PUBACK after Kafka acks=all, local single broker)
# vs Mosquitto (Debian package, persistence off, set_tcp_nodelay true) vs a naive Java bridge (Moquette embedded,
# persistence off, PUBACK on receipt, each PUBLISH then handed to a KafkaProducer with Sluice's settings), each in
# its own process with its CPU read from /proc; per round a closed-loop run and a fixed-rate run per server, then
# Kafka's own ProducerPerformance and a hand-written producer against the same broker as the ceiling. Extra
# arguments go to `sluice-sim bench-qos1` (e.g. --devices 50 --messages 4000 --rounds 3 --rate 10000).
# `--tls` runs Sluice and Mosquitto only, each over TLS 1.3 and plain TCP in the same process at the fixed rate
# (certificate made with openssl, same cipher; the generator is the same HiveMQ load given the CA).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { apt-get update -qq && apt-get install -y -qq mosquitto; }
export PATH="$PATH:/usr/sbin"
# the distribution's service would hold port 1883 and CPU; the benchmark starts its own instance on a free port
systemctl stop mosquitto 2>/dev/null || true

exec bench/sim.sh bench-qos1 "$@"
