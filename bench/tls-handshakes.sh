#!/usr/bin/env bash
# TLS handshakes per second, full and resumed, and server CPU per handshake: Sluice's TLS listener (BoringSSL via
# netty-tcnative) against Mosquitto 2 (Debian, OpenSSL), same run, same certificate (EC P-256, made here with
# openssl), same protocol and cipher, set_tcp_nodelay true. The load generator is `openssl s_time` (CLIENTS
# processes in parallel, each for SECONDS s); server CPU is read from /proc before and after each run, the load
# generator's from its own rusage. Sluice needs Kafka to start: `bench/sim.sh stack` provides a local broker.
# Usage: bench/tls-handshakes.sh [SECONDS] [CLIENTS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
CLIENTS=${2:-2}
ROUNDS=${3:-2}
export PATH="$PATH:/usr/sbin"
command -v mosquitto >/dev/null || { echo "needs Debian's mosquitto (apt-get install mosquitto)" >&2; exit 1; }
work=$(mktemp -d /tmp/sluice-tls-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# certificates: a CA and a server certificate for 127.0.0.1, EC P-256, key as PKCS#8
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.crt" \
  -subj /CN=bench-ca -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" -out "$work/server.csr" \
  -subj /CN=127.0.0.1 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$work/ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/ext" -out "$work/server.crt" 2>/dev/null
# Mosquitto drops root privileges to its own user, which must read the files
chmod 755 "$work"; chmod 644 "$work"/*
CIPHER13=TLS_AES_128_GCM_SHA256
CIPHER12=ECDHE-ECDSA-AES128-GCM-SHA256

# Kafka (and a plain Sluice we do not measure) from the simulator's stack
bench/sim.sh stack --mqtt-port 0 --mqtt-sn-port 0 --line-udp-port 0 > "$work/stack.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do grep -q '^ready:' "$work/stack.log" && break; sleep 1; done
grep -q '^ready:' "$work/stack.log" || { cat "$work/stack.log"; exit 1; }
kafka=$(sed -n 's/^ready:.* kafka \([^,]*\),.*/\1/p' "$work/stack.log")

java_bin=""
for j in /usr/lib/jvm/*/bin/java; do
  if "$j" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then java_bin="$j"; break; fi
done
SLUICE_TLS_PORT=18883
MOSQ_TLS_PORT=18884
cat > "$work/sluice.yaml" <<YAML
node_id: tls-bench
mqtt:
  enabled: false
  io_threads: 2
mqtt_tls:
  enabled: true
  host: 127.0.0.1
  port: $SLUICE_TLS_PORT
  cert_file: $work/server.crt
  key_file: $work/server.key
  ciphers: $CIPHER13,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
admin:
  port: 0
  token_file: $work/admin.token
kafka:
  bootstrap_servers: $kafka
  readings_topic: tls-bench
  sessions_topic: tls-bench-sessions
  topic_partitions: 1
  topic_replication_factor: 1
  topic_min_insync_replicas: 1
log:
  level: warn
YAML
"$java_bin" --enable-native-access=ALL-UNNAMED -Xmx1g \
  -cp "simulator/devices/target/classes:$(cat simulator/devices/target/bench.classpath)" \
  io.sluice.daemon.cli.SluiceCommand run --config "$work/sluice.yaml" > "$work/sluice.log" 2>&1 &
sluice_pid=$!
pids+=($sluice_pid)

cat > "$work/mosquitto.conf" <<CONF
listener $MOSQ_TLS_PORT 127.0.0.1
certfile $work/server.crt
keyfile $work/server.key
ciphers $CIPHER12
ciphers_tls1.3 $CIPHER13
set_tcp_nodelay true
allow_anonymous true
persistence false
log_dest stderr
CONF
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
mosq_pid=$!
pids+=($mosq_pid)

for _ in $(seq 1 120); do
  openssl s_client -connect 127.0.0.1:$SLUICE_TLS_PORT </dev/null >/dev/null 2>&1 && break; sleep 1
done

cpu_ticks() {
  [ -r "/proc/$1/stat" ] || { echo "process $1 is gone; see $work/*.log" >&2; exit 1; }
  awk '{print $14 + $15}' "/proc/$1/stat"
}
hz=$(getconf CLK_TCK)

# one measurement: $1 name, $2 pid, $3 port, $4 mode (-new|-reuse), $5 version flag, $6 cipher flag
run() {
  local before after t0 t1 total=0 gen_cpu=0 out
  before=$(cpu_ticks "$2")
  t0=$(date +%s.%N)
  local gens=()
  for c in $(seq 1 "$CLIENTS"); do
    /usr/bin/time -f '%U %S' -o "$work/time.$c" openssl s_time -connect "127.0.0.1:$3" "$4" "$5" $6 \
        -time "$SECONDS_PER_RUN" > "$work/stime.$c" 2>&1 &
    gens+=($!)
  done
  for g in "${gens[@]}"; do wait "$g" || true; done
  t1=$(date +%s.%N)
  after=$(cpu_ticks "$2")
  for c in $(seq 1 "$CLIENTS"); do
    out=$(grep -m1 'connections in' "$work/stime.$c" | awk '{print $1}')
    total=$((total + ${out:-0}))
    gen_cpu=$(awk -v a="$gen_cpu" '{print a + $1 + $2}' "$work/time.$c")
  done
  awk -v n="$1" -v m="$4 $5" -v hs="$total" -v s="$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" \
      -v cpu="$(( after - before ))" -v hz="$hz" -v g="$gen_cpu" 'BEGIN {
    printf "%-9s %-14s %8d handshakes %7.0f/s  server CPU %6.1f us/handshake  load generator CPU %5.1f s\n",
      n, m, hs, hs / s, hs ? cpu / hz * 1e6 / hs : 0, g }'
}

# warm-up (JIT for Sluice, caches for both), not reported
SECONDS_SAVED=$SECONDS_PER_RUN; SECONDS_PER_RUN=5
run sluice "$sluice_pid" $SLUICE_TLS_PORT -new -tls1_3 "-ciphersuites $CIPHER13" > /dev/null
run mosquitto "$mosq_pid" $MOSQ_TLS_PORT -new -tls1_3 "-ciphersuites $CIPHER13" > /dev/null
SECONDS_PER_RUN=$SECONDS_SAVED
echo "TLS handshakes: $CLIENTS openssl s_time process(es), $SECONDS_PER_RUN s per run, $ROUNDS round(s); $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
  for mode in "-new -tls1_3 -ciphersuites $CIPHER13" "-new -tls1_2 -cipher $CIPHER12" \
              "-reuse -tls1_2 -cipher $CIPHER12"; do
    set -- $mode
    run sluice "$sluice_pid" $SLUICE_TLS_PORT "$1" "$2" "$3 $4"
    run mosquitto "$mosq_pid" $MOSQ_TLS_PORT "$1" "$2" "$3 $4"
  done
done
