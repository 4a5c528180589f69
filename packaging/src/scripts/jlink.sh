#!/usr/bin/env bash
# Builds the Java runtime bundled in the packages (so hosts need no JDK) with jlink from a JDK 21+ on this machine.
set -euo pipefail
out="$1"
jlink=""
for j in /usr/lib/jvm/*/bin/jlink; do
  if "${j%jlink}java" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then jlink="$j"; break; fi
done
[ -n "$jlink" ] || { echo "jlink from a JDK 21+ is needed under /usr/lib/jvm" >&2; exit 1; }
rm -rf "$out"
# modules found with jdeps over the daemon and its dependencies, plus the TLS, DNS and management pieces
# Kafka clients and operators need at run time
"$jlink" --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.security.jgss,java.security.sasl,java.xml,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs,jdk.jcmd,jdk.httpserver \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --output "$out"
