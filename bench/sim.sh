#!/usr/bin/env bash
# Builds the simulator through the reactor (`package`, nothing installed into ~/.m2, so the classpath names this
# tree's own jars) and runs `sluice-sim` with the given arguments on a JDK 21+ found under /usr/lib/jvm. The bench
# scripts call it; it also runs any other sluice-sim command (e.g. `bench/sim.sh stack`, `bench/sim.sh fleet ...`).
set -euo pipefail
cd "$(dirname "$0")/.."
java_bin=""
for j in /usr/lib/jvm/*/bin/java; do
  if "$j" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then java_bin="$j"; break; fi
done
[ -n "$java_bin" ] || { echo "needs a JDK 21+ under /usr/lib/jvm" >&2; exit 1; }
# SLUICE_SIM_NO_BUILD=1 reuses the last build (e.g. for a second command beside a running `stack`, whose jars a
# rebuild would replace under it)
if [ "${SLUICE_SIM_NO_BUILD:-}" != 1 ] || [ ! -f simulator/devices/target/bench.classpath ]; then
  mvn -B -q -ntp package -DskipTests -pl simulator/devices -am dependency:build-classpath \
    -Dmdep.outputFile=target/bench.classpath >/dev/null
fi
exec "$java_bin" ${SLUICE_SIM_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED \
  -cp "simulator/devices/target/classes:$(cat simulator/devices/target/bench.classpath)" \
  io.sluice.sim.SimCommand "$@"
