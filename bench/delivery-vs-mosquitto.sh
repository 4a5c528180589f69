#!/usr/bin/env bash
# Delivery side by side, one command: Sluice (delivery on, one local Kafka broker) vs Mosquitto (Debian package,
# persistence true, set_tcp_nodelay true), each in its own process with its CPU read from /proc, driven by the same
# HiveMQ publishers and subscribers in the generator's JVM (QoS 1 both ways, MQTT 3.1.1). Per round and server:
# 1->1, 1->1,000 and 1,000->1 closed loop, then 1,000->1 at 10,000 deliveries/s. Round 0 is cold, later ones warm.
# Extra arguments go to `sluice-sim bench-delivery` (e.g. --seconds 10 --rounds 2 --rate 10000 --fanout 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { apt-get update -qq && apt-get install -y -qq mosquitto; }
export PATH="$PATH:/usr/sbin"
# the distribution's service would hold port 1883 and CPU; the benchmark starts its own instance on a free port
systemctl stop mosquitto 2>/dev/null || true

exec bench/sim.sh bench-delivery "$@"
