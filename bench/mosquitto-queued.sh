#!/usr/bin/env bash
# Mosquitto's memory per QoS 1 message queued for an offline persistent session, for beside Sluice's figure in
# docs/DELIVERY.md (bench-sessions --queued). Starts Mosquitto (persistence true, max_queued_messages 0) on a free
# port, makes SESSIONS offline persistent sessions (mosquitto_sub -c, one subscription cmd/<id>/# at QoS 1), reads
# its resident memory (VmRSS), publishes MESSAGES QoS 1 messages of a 32-byte payload spread over those sessions with
# mosquitto_pub -l, and reads VmRSS again. Environment: SESSIONS (default 100), MESSAGES (default 100000).
set -euo pipefail
export PATH="$PATH:/usr/sbin"
sessions=${SESSIONS:-100}
messages=${MESSAGES:-100000}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\nlog_type error\n' \
  "$port" "$dir" > "$dir/mosquitto.conf"
chmod 777 "$dir" # Mosquitto started as root drops to its own user, which writes the store at shutdown
mosquitto -c "$dir/mosquitto.conf" & pid=$!
trap 'kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do mosquitto_pub -p "$port" -t probe -m x 2>/dev/null && break; sleep 0.1; done
for i in $(seq 0 $((sessions - 1))); do
  mosquitto_sub -p "$port" -i "sensor-$i" -c -q 1 -t "cmd/sensor-$i/#" -E
done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
before=$(rss)
per=$((messages / sessions))
for i in $(seq 0 $((sessions - 1))); do
  awk -v n="$per" 'BEGIN { for (i = 0; i < n; i++) print "0123456789abcdef0123456789abcdef" }' | mosquitto_pub -p "$port" -q 1 -t "cmd/sensor-$i/set" -l
done
after=$(rss)
echo "mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}'): $sessions offline persistent sessions," \
  "$((per * sessions)) QoS 1 messages of 32 B queued: VmRSS ${before} KiB -> ${after} KiB," \
  "$(( (after - before) * 1024 / (per * sessions) )) B per queued message"
