#!/usr/bin/env bash
# What QoS 2 costs against QoS 1 through Sluice, same run, same machine: `sluice-sim stack` (a local single-broker
# Kafka and the daemon) and Debian's mosquitto_pub in MQTT 5, which sends --repeat messages one after the other
# (each waits for its PUBACK, or its PUBREC and PUBCOMP). Per round: QoS 1, QoS 2 with a clean session (packet ids in
# memory, the reading through the ordinary producer) and QoS 2 with a persistent session (the reading and its
# packet id in one Kafka transaction, and the PUBREL's deletion before PUBCOMP); then the same with CLIENTS
# publishers at once, which share transactions. Environment: MESSAGES (default 300), ROUNDS (3), CLIENTS (10),
# PORT (18841).
set -euo pipefail
cd "$(dirname "$0")/.."
port=${PORT:-18841}; n=${MESSAGES:-300}; rounds=${ROUNDS:-3}; clients=${CLIENTS:-10}
log=$(mktemp)
bench/sim.sh stack --mqtt-port "$port" >"$log" 2>&1 &
stack=$!
trap 'kill $stack 2>/dev/null; wait $stack 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 600); do grep -q '^ready:' "$log" && break; sleep 1; done
grep -q '^ready:' "$log" || { cat "$log"; exit 1; }

# one publisher: milliseconds for $n messages
one() {
  local s; s=$(date +%s%N)
  mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 "$@" -t bench/qos2 -m 21.5 --repeat "$n" --repeat-delay 0 >/dev/null
  echo $(( ($(date +%s%N) - s) / 1000000 ))
}
# $clients publishers at once, $n messages in all: milliseconds until the last one is done
many() {
  local tag=$1; shift
  local s; s=$(date +%s%N)
  for c in $(seq 1 "$clients"); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -V mqttv5 -i "$tag-$c" "$@" -t bench/qos2 -m 21.5 \
      --repeat $((n / clients)) --repeat-delay 0 >/dev/null &
  done
  wait # runs in a command substitution: only these publishers are its children
  echo $(( ($(date +%s%N) - s) / 1000000 ))
}
for r in $(seq 1 "$rounds"); do
  echo "round $r, $n messages, 1 publisher: QoS 1 $(one -i "q1-$r" -q 1) ms," \
    "QoS 2 clean $(one -i "q2c-$r" -q 2) ms, QoS 2 persistent $(one -i "q2p-$r" -c -x 600 -q 2) ms"
  echo "round $r, $n messages, $clients publishers: QoS 1 $(many "m1-$r" -q 1) ms," \
    "QoS 2 clean $(many "m2c-$r" -q 2) ms, QoS 2 persistent $(many "m2p-$r" -c -x 600 -q 2) ms"
done
