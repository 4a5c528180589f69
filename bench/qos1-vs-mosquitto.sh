#!/usr/bin/env bash
# QoS 1 side by side on this machine: Sluice (PUBACK after Kafka acks=all, local single broker) vs Mosquitto
# (Debian package, persistence off, set_tcp_nodelay true). Same closed-loop load, interleaved runs, each server's
# CPU read from /proc. Extra arguments go to `sluice-sim bench-qos1` (e.g. --devices 100 --messages 5000).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v mosquitto >/dev/null || { apt-get update -qq && apt-get install -y -qq mosquitto; }
# the distribution's service would hold port 1883 and CPU; the benchmark starts its own instance on a free port
systemctl stop mosquitto 2>/dev/null || true

java_bin=""
for j in /usr/lib/jvm/*/bin/java; do
  if "$j" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "needs a JDK 21+ under /usr/lib/jvm" >&2; exit 1; }

mvn -B -q -ntp install -DskipTests
cp_file="$PWD/simulator/devices/target/bench.classpath"
mvn -B -q -ntp -pl simulator/devices dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
exec "$java_bin" --enable-native-access=ALL-UNNAMED -cp "simulator/devices/target/classes:$(cat "$cp_file")" \
  io.sluice.sim.SimCommand bench-qos1 "$@"
