package io.sluice.stack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the client listener of a {@link KafkaCluster} is secured: not at all (the default), SASL over plaintext, or
 * SASL over TLS, with one user whose credentials the cluster knows from the start. Inter-broker and controller
 * traffic stays plaintext on listeners of their own, which clients are never told of.
 *
 * <p>Mechanisms: {@code SCRAM-SHA-512} (the user is created when the storage is formatted, as
 * {@code kafka-storage format --add-scram} does) or {@code PLAIN} (the user is in the broker's JAAS config).
 *
 * <p>Immutable and thread-safe.
 */
public final class KafkaSecurity {
    /** The SCRAM mechanism the harness supports. */
    public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";
    /** The PLAIN mechanism (only over TLS outside tests). */
    public static final String PLAIN = "PLAIN";

    private static final KafkaSecurity NONE = new KafkaSecurity("PLAINTEXT", null, null, null);

    private final String protocol;
    private final String mechanism;
    private final String username;
    private final String password;

    private KafkaSecurity(String protocol, String mechanism, String username, String password) {
        this.protocol = protocol;
        this.mechanism = mechanism;
        this.username = username;
        this.password = password;
    }

    /** No security: the listener every test used before; clients need no properties. */
    public static KafkaSecurity none() {
        return NONE;
    }

    /** {@code SASL_PLAINTEXT} with {@code mechanism} ({@link #SCRAM_SHA_512} or {@link #PLAIN}) for one user. */
    public static KafkaSecurity saslPlaintext(String mechanism, String username, String password) {
        return new KafkaSecurity("SASL_PLAINTEXT", checked(mechanism), notBlank(username), notBlank(password));
    }

    /**
     * {@code SASL_SSL} with {@code mechanism} for one user; the broker's certificate (SAN IP 127.0.0.1) is signed by
     * a CA made for the cluster, whose certificate clients trust from a PEM file ({@link KafkaCluster#caFile()}).
     */
    public static KafkaSecurity saslSsl(String mechanism, String username, String password) {
        return new KafkaSecurity("SASL_SSL", checked(mechanism), notBlank(username), notBlank(password));
    }

    /** {@code PLAINTEXT}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}. */
    public String protocol() {
        return protocol;
    }

    public boolean enabled() {
        return mechanism != null;
    }

    public boolean tls() {
        return protocol.equals("SASL_SSL");
    }

    /** The SASL mechanism; null without security. */
    public String mechanism() {
        return mechanism;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The {@code sasl.jaas.config} a client logs in with as {@code user} / {@code secret}. */
    public String clientJaas(String user, String secret) {
        String module = mechanism.equals(PLAIN) ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        return module + " required username=\"" + user + "\" password=\"" + secret + "\";";
    }

    /**
     * The client properties that log in as {@code user} / {@code secret}; empty without security.
     *
     * @param caFile the PEM CA certificate clients trust (SASL_SSL only; ignored otherwise)
     */
    Map<String, String> clientProperties(String user, String secret, String caFile) {
        Map<String, String> p = new LinkedHashMap<>();
        if (!enabled()) {
            return p;
        }
        p.put("security.protocol", protocol);
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", clientJaas(user, secret));
        if (tls()) {
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", caFile);
        }
        return p;
    }

    /** The broker's settings for the listener named {@code listener} (lower case), keystore given when TLS. */
    List<String> brokerProperties(String listener, String keystore, String keystorePassword) {
        String prefix = "listener.name." + listener + ".";
        String serverModule = mechanism.equals(PLAIN)
                ? "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + username + "=\""
                        + password + "\";"
                : "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        List<String> lines = new java.util.ArrayList<>(List.of(
                "sasl.enabled.mechanisms=" + mechanism,
                prefix + "sasl.enabled.mechanisms=" + mechanism,
                prefix + mechanism.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config=" + serverModule));
        if (tls()) {
            lines.add(prefix + "ssl.keystore.type=PKCS12");
            lines.add(prefix + "ssl.keystore.location=" + keystore);
            lines.add(prefix + "ssl.keystore.password=" + keystorePassword);
            lines.add(prefix + "ssl.key.password=" + keystorePassword);
        }
        return lines;
    }

    /** The {@code --add-scram} argument of the storage format; null when the mechanism is not SCRAM. */
    String scramFormatArgument() {
        return SCRAM_SHA_512.equals(mechanism)
                ? SCRAM_SHA_512 + "=[name=" + username + ",password=" + password + "]" : null;
    }

    @Override
    public String toString() {
        return enabled() ? protocol + "/" + mechanism + " as " + username : protocol;
    }

    private static String checked(String mechanism) {
        if (!SCRAM_SHA_512.equals(mechanism) && !PLAIN.equals(mechanism)) {
            throw new IllegalArgumentException("mechanism must be " + SCRAM_SHA_512 + " or " + PLAIN + ": "
                    + mechanism);
        }
        return mechanism;
    }

    private static String notBlank(String s) {
        if (Objects.requireNonNull(s).isBlank() || s.contains("\"") || s.contains(",") || s.contains("]")) {
            throw new IllegalArgumentException("user names and passwords must be non-blank, without '\"', ',' or"
                    + " ']': " + s);
        }
        return s;
    }
}
