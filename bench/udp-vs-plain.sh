#!/usr/bin/env bash
# Line-protocol UDP into Kafka through Sluice against a plain Netty epoll receiver that only counts, at the same
# offered rate, alternating, each server its own JVM (CPU from /proc). Starts its own local Kafka broker.
# Extra arguments go to `sluice-sim bench-udp` (e.g. --rate 50000 --seconds 10 --rounds 3).
set -euo pipefail
cd "$(dirname "$0")/.."
java_bin=""
for j in /usr/lib/jvm/*/bin/java; do
  if "$j" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "needs a JDK 21+ under /usr/lib/jvm" >&2; exit 1; }
mvn -B -q -ntp package -DskipTests -pl simulator/devices -am dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
exec "$java_bin" --enable-native-access=ALL-UNNAMED \
  -cp "simulator/devices/target/classes:$(cat simulator/devices/target/bench.classpath)" \
  io.sluice.sim.SimCommand bench-udp "$@"
