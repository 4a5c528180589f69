#!/usr/bin/env bash
# A fleet of Sluice nodes on one local Kafka (docs/BENCHMARKS.md, "A fleet of nodes"): each node `sluice run` in its
# own JVM, CPU per process from /proc. Three parts: the same fixed-rate QoS 1 uplink load against 1 node and then 3
# nodes (connections round robin over the nodes' ports, as an L4 balancer would; loss audit of the readings topic);
# takeovers per second of persistent MQTT 5 sessions between node 1 and node 2; kill -9 of node 1 holding persistent
# sessions with unacknowledged messages, and the time until every client has reconnected to nodes 2 and 3 with its
# session and got its messages again (or how many never came). Extra arguments go to `sluice-sim bench-fleet`, e.g.
#   bench/fleet.sh                                       (1,000 devices at 10,000 msg/s for 60 s; 1,000 takeovers x 4;
#                                                         10,000 sessions x 3 messages)
#   bench/fleet.sh --mosquitto                           (also the uplink load against Mosquitto, persistence on)
#   bench/fleet.sh --seconds 5 --warmup-seconds 2 --devices 100 --rate 1000 --takeover-sessions 100 \
#       --reconnect-sessions 200                         (a quick check)
#   bench/fleet.sh --parts reconnect --reconnect-sessions 1000
# The reconnect part opens one socket per session in the generator and in node 1: `ulimit -n` above the session count.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ " $* " == *" --mosquitto "* ]]; then
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { apt-get update -qq && apt-get install -y -qq mosquitto; }
  export PATH="$PATH:/usr/sbin"
  # the distribution's service would hold port 1883 and CPU; the benchmark starts its own instance on a free port
  systemctl stop mosquitto 2>/dev/null || true
fi
exec bench/sim.sh bench-fleet "$@"
