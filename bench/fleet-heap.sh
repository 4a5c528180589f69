#!/usr/bin/env bash
# Heap a node holds per session of other nodes it follows (docs/DELIVERY.md, "Many nodes", memory):
# N persistent sessions with one subscription, then N presence records, fed to a SessionRegistry through its follower.
# Usage: bench/fleet-heap.sh [N]   (default 100000). SLUICE_JAVA: a JDK 21+ java with jcmd beside it (default: java)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
java_bin="${SLUICE_JAVA:-java}"
nice -n 10 mvn -B -ntp -q -pl protocols -am test-compile
nice -n 10 mvn -B -ntp -q -pl protocols dependency:build-classpath -Dmdep.outputFile="$PWD/protocols/target/fleet-heap.cp"
cp="protocols/target/classes:protocols/target/test-classes:$(cat protocols/target/fleet-heap.cp)"
PATH="$(dirname "$(command -v "$java_bin")"):$PATH" nice -n 10 "$java_bin" -Xmx1g -cp "$cp" \
    io.sluice.mqtt.internal.FleetHeapMeasure "$n" 2>&1 | tail -1
