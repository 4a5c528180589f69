package io.sluice.sim;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * What a fleet run does: {@code identities} device identities served by {@code connections} connections, identity
 * {@code i} by connection {@code i mod connections}. Identity {@code i} is named {@code identityPrefix + i}
 * (zero-padded), publishes to {@code sensors/<name>/<measurement>}, and its message of round {@code r} has seq
 * {@code r}.
 *
 * <p>The schedule numbers every message of the run {@code k = round * identities + identity}. In steady mode message
 * {@code k} is due {@link #dueNanos(long)} after the start: each identity once per interval, the whole fleet spread
 * evenly over it, for the duration. In burst mode every identity publishes once per burst, all due at once.
 *
 * @param transport       mqtt, mqtt-sn or line-udp
 * @param host            server host
 * @param port            server port
 * @param identities      distinct device identities
 * @param connections     connections (MQTT, MQTT-SN clients, or datagram sockets) they share
 * @param mode            steady or burst
 * @param intervalSeconds steady: seconds between two messages of one identity
 * @param durationSeconds steady: how long messages fall due
 * @param bursts          burst: how many bursts, each one message per identity
 * @param window          messages a connection keeps awaiting acknowledgement at once
 * @param qos             0 or 1 (line-udp: 0, nothing is acknowledged)
 * @param format          payload format
 * @param payloadBytes    payloads are padded up to this size
 * @param mqttVersion     3 (3.1.1) or 5, for transport mqtt
 * @param sourceAddresses local addresses the connections bind to, connection c to address c mod count
 * @param connectRate     connections opened per second
 * @param identityPrefix  identity names start with it; fresh per run, so runs sharing a topic are told apart
 * @param measurement     last topic level and line-protocol measurement
 */
public record FleetSpec(Transport transport, String host, int port, int identities, int connections, Mode mode,
                        double intervalSeconds, double durationSeconds, int bursts, int window, int qos,
                        PayloadFormat format, int payloadBytes, int mqttVersion, List<InetAddress> sourceAddresses,
                        double connectRate, String identityPrefix, String measurement) implements RunSpec {

    /** Registered topics the Sluice MQTT-SN gateway keeps per client (docs/UDP.md). */
    public static final int MQTT_SN_TOPICS_PER_CLIENT = 256;

    public enum Transport {
        MQTT("mqtt", 1883), MQTT_SN("mqtt-sn", 1884), LINE_UDP("line-udp", 8089);

        private final String label;
        private final int defaultPort;

        Transport(String label, int defaultPort) {
            this.label = label;
            this.defaultPort = defaultPort;
        }

        public String label() {
            return label;
        }

        public int defaultPort() {
            return defaultPort;
        }

        public static Transport of(String name) {
            for (Transport t : values()) {
                if (t.label.equalsIgnoreCase(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("--transport must be mqtt, mqtt-sn or line-udp: " + name);
        }
    }

    public enum Mode {
        STEADY, BURST;

        public static Mode of(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mode must be steady or burst: " + name);
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FleetSpec {
        sourceAddresses = List.copyOf(sourceAddresses);
        require(identities >= 1, "--identities must be at least 1: " + identities);
        require(connections >= 1 && connections <= identities,
                "--connections must be between 1 and --identities: " + connections);
        require(window >= 1 && window <= 65_535, "--window must be between 1 and 65535: " + window);
        require(qos == 0 || qos == 1, "--qos must be 0 or 1: " + qos);
        require(mqttVersion == 3 || mqttVersion == 5, "--mqtt-version must be 3 or 5: " + mqttVersion);
        require(payloadBytes >= 0, "--payload-bytes must be >= 0: " + payloadBytes);
        require(connectRate > 0, "--connect-rate must be > 0: " + connectRate);
        require(!sourceAddresses.isEmpty(), "at least one source address");
        require(identityPrefix.matches("[A-Za-z0-9_-]{1,16}"),
                "--identity-prefix must be 1 to 16 letters, digits, '-' or '_': " + identityPrefix);
        require(measurement.matches("[A-Za-z0-9_]{1,32}"),
                "--measurement must be 1 to 32 letters, digits or '_': " + measurement);
        if (mode == Mode.STEADY) {
            require(intervalSeconds > 0 && durationSeconds > 0,
                    "--interval-seconds and --duration-seconds must be > 0");
            require(durationSeconds / intervalSeconds <= Integer.MAX_VALUE, "too many rounds");
        } else {
            require(bursts >= 1, "--bursts must be at least 1: " + bursts);
        }
        if (transport == Transport.LINE_UDP) {
            require(format == PayloadFormat.LINE, "line-udp carries --format line only");
            require(qos == 0, "line-udp acknowledges nothing: use --qos 0");
        }
        if (transport == Transport.MQTT_SN) {
            int perClient = (identities + connections - 1) / connections;
            require(perClient <= MQTT_SN_TOPICS_PER_CLIENT, "mqtt-sn: the gateway keeps at most "
                    + MQTT_SN_TOPICS_PER_CLIENT + " registered topics per client, and each identity has its own topic;"
                    + " " + perClient + " identities per connection need --connections >= "
                    + ((identities + MQTT_SN_TOPICS_PER_CLIENT - 1) / MQTT_SN_TOPICS_PER_CLIENT));
            require((identityPrefix + "c" + (connections - 1)).length() <= 23,
                    "mqtt-sn client ids are at most 23 characters: shorten --identity-prefix");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** True when every message is acknowledged, so the audit can prove that none acknowledged was lost. */
    public boolean acknowledged() {
        return qos == 1 && transport != Transport.LINE_UDP;
    }

    /** The connection that serves {@code identity}. */
    public int connectionOf(int identity) {
        return identity % connections;
    }

    /** How many identities {@code connection} serves. */
    public int identitiesOn(int connection) {
        return identities / connections + (connection < identities % connections ? 1 : 0);
    }

    /** The {@code slot}-th identity (0-based) of {@code connection}. */
    public int identityAt(int connection, int slot) {
        return connection + slot * connections;
    }

    /** Messages in the whole run. */
    public long totalMessages() {
        if (mode == Mode.BURST) {
            return (long) identities * bursts;
        }
        long duration = durationNanos();
        long t = (long) Math.ceil(durationSeconds / intervalSeconds * identities);
        while (t > 0 && dueNanos(t - 1) >= duration) {
            t--;
        }
        while (dueNanos(t) < duration) {
            t++;
        }
        return t;
    }

    /** Rounds (messages per identity, at most). */
    public int rounds() {
        return mode == Mode.BURST ? bursts : (int) ((totalMessages() + identities - 1) / identities);
    }

    /** Messages {@code connection} publishes in the whole run, given {@code total} messages in all. */
    public long messagesOn(int connection, long total) {
        long rem = total % identities;
        long partial = connection < rem ? (rem - connection + connections - 1) / connections : 0;
        return total / identities * identitiesOn(connection) + partial;
    }

    /**
     * The run-wide number {@code k} of the {@code j}-th message (0-based) of {@code connection}: a connection
     * publishes its identities in order, round after round, which is the order of their due times.
     */
    public long message(int connection, long j) {
        int per = identitiesOn(connection);
        long round = j / per;
        return round * identities + identityAt(connection, (int) (j % per));
    }

    /** Steady mode: nanoseconds after the start at which message {@code k} is due. */
    public long dueNanos(long k) {
        long interval = intervalNanos();
        long round = k / identities;
        long i = k % identities;
        long within;
        if (Math.multiplyHigh(i, interval) == 0 && i * interval >= 0) {
            within = i * interval / identities;
        } else {
            within = BigInteger.valueOf(i).multiply(BigInteger.valueOf(interval))
                    .divide(BigInteger.valueOf(identities)).longValueExact();
        }
        return round * interval + within;
    }

    public long intervalNanos() {
        return Math.round(intervalSeconds * 1e9);
    }

    public long durationNanos() {
        return Math.round(durationSeconds * 1e9);
    }

    /** The name of identity {@code i}: the prefix and {@code i} zero-padded to the width of the largest index. */
    public String identityName(int i) {
        String digits = Integer.toString(i);
        int width = Integer.toString(identities - 1).length();
        return identityPrefix + "0".repeat(Math.max(0, width - digits.length())) + digits;
    }

    public String topic(int identity) {
        return "sensors/" + identityName(identity) + "/" + measurement;
    }

    /** The client id of connection {@code c} (MQTT and MQTT-SN). */
    public String clientId(int c) {
        return identityPrefix + "c" + c;
    }

    public InetAddress sourceAddress(int connection) {
        return sourceAddresses.get(connection % sourceAddresses.size());
    }

    @Override
    public String json() {
        return String.format(Locale.ROOT, "{\"transport\": \"%s\", \"identities\": %d, \"connections\": %d,"
                        + " \"mode\": \"%s\", %s, \"window\": %d, \"qos\": %d, \"format\": \"%s\", \"payload_bytes\": %d,"
                        + " \"mqtt_version\": %d, \"source_addresses\": %d, \"connect_rate\": %s}", transport.label(),
                identities, connections, mode.label(), mode == Mode.STEADY
                        ? "\"interval_seconds\": " + LoadReports.num(intervalSeconds) + ", \"duration_seconds\": "
                        + LoadReports.num(durationSeconds) : "\"bursts\": " + bursts,
                window, qos, format.label(), payloadBytes, mqttVersion, sourceAddresses.size(),
                LoadReports.num(connectRate));
    }

    @Override
    public String sentence() {
        return String.format(Locale.ROOT, "%,d identities over %,d %s connections, %s, window %d, QoS %d, %s"
                        + " payloads of %d bytes%s, from %d source address(es).", identities, connections,
                transport.label(), mode == Mode.STEADY
                        ? "each identity every " + LoadReports.num(intervalSeconds) + " s for "
                        + LoadReports.num(durationSeconds) + " s (" + LoadReports.num(identities / intervalSeconds)
                        + " msg/s offered)" : bursts + " burst(s) of one message per identity",
                window, qos, format.label(), payloadBytes, transport == Transport.MQTT
                        ? ", MQTT " + (mqttVersion == 5 ? "5" : "3.1.1") : "", sourceAddresses.size());
    }
}
