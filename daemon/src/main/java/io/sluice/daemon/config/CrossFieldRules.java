package io.sluice.daemon.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Rules that tie keys together, all in one place. Each problem names both keys, their values and lines. */
final class CrossFieldRules {
    private CrossFieldRules() {
    }

    static List<String> check(ConfigValues v) {
        List<String> problems = new ArrayList<>();
        long budget = v.longValue("ingest.max_inflight_bytes");
        long buffer = v.longValue("kafka.buffer_memory_bytes");
        if (budget > buffer) {
            problems.add(v.where("ingest.max_inflight_bytes") + ": ingest.max_inflight_bytes (" + budget
                    + ") must not exceed kafka.buffer_memory_bytes (" + buffer + ", " + v.where("kafka.buffer_memory_bytes")
                    + "): the producer would block on a full buffer instead of Sluice pushing back on sockets");
        }
        long partial = v.longValue("mqtt.max_partial_packet_bytes");
        int packet = v.integer("mqtt.max_packet_size_bytes");
        if (partial < packet) {
            problems.add(v.where("mqtt.max_partial_packet_bytes") + ": mqtt.max_partial_packet_bytes (" + partial
                    + ") must be at least mqtt.max_packet_size_bytes (" + packet + ", "
                    + v.where("mqtt.max_packet_size_bytes") + "): a largest packet could never arrive whole");
        }
        int batch = v.integer("kafka.batch_size_bytes");
        if (batch > buffer) {
            problems.add(v.where("kafka.batch_size_bytes") + ": kafka.batch_size_bytes (" + batch
                    + ") must not exceed kafka.buffer_memory_bytes (" + buffer + ")");
        }
        long delivery = v.integer("kafka.delivery_timeout_ms");
        long needed = (long) v.integer("kafka.linger_ms") + v.integer("kafka.request_timeout_ms");
        if (delivery < needed) {
            problems.add(v.where("kafka.delivery_timeout_ms") + ": kafka.delivery_timeout_ms (" + delivery
                    + ") must be at least kafka.linger_ms + kafka.request_timeout_ms (" + needed + ")");
        }
        int rf = v.integer("kafka.topic_replication_factor");
        int minIsr = v.integer("kafka.topic_min_insync_replicas");
        if (minIsr > rf) {
            problems.add(v.where("kafka.topic_min_insync_replicas") + ": kafka.topic_min_insync_replicas (" + minIsr
                    + ") must not exceed kafka.topic_replication_factor (" + rf + ", "
                    + v.where("kafka.topic_replication_factor") + "): every write would fail");
        }
        if (v.string("node_id").chars().anyMatch(Character::isWhitespace)) {
            problems.add(v.where("node_id") + ": node_id: '" + v.string("node_id") + "' holds whitespace; a node id"
                    + " is one word (it is a space-separated field of every record's sluice header)");
        }
        int nodeBytes = v.string("node_id").getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (nodeBytes > io.sluice.ingest.Envelope.MAX_NODE_ID_BYTES) {
            problems.add(v.where("node_id") + ": node_id is " + nodeBytes + " bytes long; at most "
                    + io.sluice.ingest.Envelope.MAX_NODE_ID_BYTES + " (every record carries it, and the in-flight"
                    + " budget's weight of a record allows for that much)");
        }
        if (v.string("kafka.bootstrap_servers").isBlank()) {
            problems.add(v.where("kafka.bootstrap_servers") + ": kafka.bootstrap_servers must name at least one host:port");
        }
        for (String topicKey : List.of("kafka.readings_topic", "kafka.sessions_topic", "fanout.dead_letter_topic",
                "delivery.topic", "delivery.retained_topic", "downlink.topic")) {
            String topic = v.string(topicKey);
            if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
                problems.add(v.where(topicKey) + ": " + topicKey + ": value '" + topic
                        + "' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)");
            }
        }
        if (v.string("kafka.readings_topic").equals(v.string("kafka.sessions_topic"))) {
            problems.add(v.where("kafka.sessions_topic") + ": kafka.sessions_topic must differ from kafka.readings_topic");
        }
        deliveryTopics(v, problems);
        downlink(v, problems);
        fanout(v, problems);
        udp(v, problems);
        serverReferences(v, problems);
        tls(v, problems);
        AuthRules.check(v, problems);
        return problems;
    }

    /** The delivery topics hold records of their own: neither may be another topic of Sluice's, nor each other. */
    private static void deliveryTopics(ConfigValues v, List<String> problems) {
        if (!v.bool("delivery.enabled")) {
            return;
        }
        List<String> others = List.of("kafka.readings_topic", "kafka.sessions_topic", "fanout.dead_letter_topic");
        for (String key : List.of("delivery.topic", "delivery.retained_topic")) {
            for (String other : others) {
                if (v.string(key).equals(v.string(other))) {
                    problems.add(v.where(key) + ": " + key + " ('" + v.string(key) + "') must differ from " + other
                            + " (" + v.where(other) + ")");
                }
            }
        }
        if (v.string("delivery.topic").equals(v.string("delivery.retained_topic"))) {
            problems.add(v.where("delivery.retained_topic") + ": delivery.retained_topic must differ from"
                    + " delivery.topic ('" + v.string("delivery.topic") + "')");
        }
    }

    /**
     * The downlink publishes through delivery, so it needs it (off by default then, an error when set on), and its
     * topic holds records of its own.
     */
    private static void downlink(ConfigValues v, List<String> problems) {
        if (!v.bool("delivery.enabled")) {
            if (v.written("downlink.enabled") && v.bool("downlink.enabled")) {
                problems.add(v.where("downlink.enabled") + ": downlink.enabled is true but delivery.enabled is false ("
                        + v.where("delivery.enabled") + "): the downlink publishes to subscribers through delivery;"
                        + " turn delivery on or remove downlink.enabled");
            }
            return;
        }
        receiptsTopic(v, problems);
        if (!v.bool("downlink.enabled")) {
            return;
        }
        for (String other : List.of("kafka.readings_topic", "kafka.sessions_topic", "fanout.dead_letter_topic",
                "delivery.topic", "delivery.retained_topic")) {
            if (v.string("downlink.topic").equals(v.string(other))) {
                problems.add(v.where("downlink.topic") + ": downlink.topic ('" + v.string("downlink.topic")
                        + "') must differ from " + other + " (" + v.where(other) + ")");
            }
        }
    }

    /** The receipts topic, when set, is a valid topic name of its own. */
    private static void receiptsTopic(ConfigValues v, List<String> problems) {
        String topic = v.string("downlink.receipts_topic");
        if (topic.isEmpty()) {
            return;
        }
        if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            problems.add(v.where("downlink.receipts_topic") + ": downlink.receipts_topic: value '" + topic
                    + "' is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -), or empty for no receipts");
            return;
        }
        for (String other : List.of("kafka.readings_topic", "kafka.sessions_topic", "fanout.dead_letter_topic",
                "delivery.topic", "delivery.retained_topic", "downlink.topic")) {
            if (topic.equals(v.string(other))) {
                problems.add(v.where("downlink.receipts_topic") + ": downlink.receipts_topic ('" + topic
                        + "') must differ from " + other + " (" + v.where(other) + ")");
            }
        }
    }

    private static final List<String> TLS_FILE_KEYS = List.of("mqtt_tls.cert_file", "mqtt_tls.key_file",
            "mqtt_tls.key_password_file", "mqtt_tls.ca_file", "mqtt_tls.crl_file");

    /** The TLS listener: files present and readable, belonging together; listeners that can both open. */
    private static void tls(ConfigValues v, List<String> problems) {
        boolean tls = v.bool("mqtt_tls.enabled");
        if (!v.bool("mqtt.enabled") && !tls) {
            problems.add(v.where("mqtt.enabled") + ": mqtt.enabled is false and mqtt_tls.enabled is false ("
                    + v.where("mqtt_tls.enabled") + "): at least one MQTT listener must be open");
        }
        if (!tls) {
            return;
        }
        if (v.bool("mqtt.enabled") && v.integer("mqtt.port") != 0 && v.integer("mqtt.port") == v.integer("mqtt_tls.port")) {
            problems.add(v.where("mqtt_tls.port") + ": mqtt_tls.port must differ from mqtt.port ("
                    + v.integer("mqtt.port") + ")");
        }
        int before = problems.size();
        for (String key : List.of("mqtt_tls.cert_file", "mqtt_tls.key_file")) {
            if (v.string(key).isBlank()) {
                problems.add(v.where(key) + ": " + key + " must name a PEM file when mqtt_tls.enabled is true");
            }
        }
        if (!v.string("mqtt_tls.client_auth").equals("none") && v.string("mqtt_tls.ca_file").isBlank()) {
            problems.add(v.where("mqtt_tls.ca_file") + ": mqtt_tls.ca_file must name the CA bundle when"
                    + " mqtt_tls.client_auth is " + v.string("mqtt_tls.client_auth") + " ("
                    + v.where("mqtt_tls.client_auth") + ")");
        }
        for (String key : TLS_FILE_KEYS) {
            String file = v.string(key);
            if (!file.isBlank() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file))) {
                problems.add(v.where(key) + ": " + key + ": '" + file + "' "
                        + (java.nio.file.Files.exists(java.nio.file.Path.of(file)) ? "is not readable" : "does not exist"));
            }
        }
        for (String p : SluiceConfig.cidrs(v.string("mqtt_tls.protocols"))) {
            if (!p.equals("TLSv1.3") && !p.equals("TLSv1.2")) {
                problems.add(v.where("mqtt_tls.protocols") + ": mqtt_tls.protocols: '" + p
                        + "' is not one of TLSv1.3, TLSv1.2 (older versions are not offered)");
            }
        }
        if (SluiceConfig.cidrs(v.string("mqtt_tls.protocols")).isEmpty()) {
            problems.add(v.where("mqtt_tls.protocols") + ": mqtt_tls.protocols must name at least one TLS version");
        }
        if (problems.size() > before) {
            return; // the files are checked together only when each is there
        }
        try {
            io.sluice.tls.ServerTls.check(SluiceConfig.mqttTls(v).tlsConfig());
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            // the message starts with the file at fault; name the key of the file it mentions first
            String key = TLS_FILE_KEYS.stream().filter(k -> !v.string(k).isBlank() && msg.contains(v.string(k)))
                    .min(java.util.Comparator.comparingInt(k -> msg.indexOf(v.string(k))))
                    .orElse(Stream.of("mqtt_tls.ciphers", "mqtt_tls.provider").filter(msg::startsWith).findFirst()
                            .orElse("mqtt_tls.cert_file"));
            problems.add(v.where(key) + ": " + (msg.startsWith(key) ? "" : key + ": ") + msg);
        }
    }

    /** Each server reference is host:port as MQTT 5 clients read it: one word (the property separates by spaces). */
    private static void serverReferences(ConfigValues v, List<String> problems) {
        String text = v.string("mqtt.server_references");
        if (text.isBlank()) {
            return;
        }
        for (String ref : text.split(",", -1)) {
            String r = ref.strip();
            int colon = r.lastIndexOf(':');
            int port = -1;
            try {
                port = colon < 0 ? -1 : Integer.parseInt(r.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (r.isEmpty() || r.chars().anyMatch(Character::isWhitespace) || colon < 1 || port < 1 || port > 65_535) {
                problems.add(v.where("mqtt.server_references") + ": mqtt.server_references: '" + r + "' is not"
                        + " host:port (a non-empty host without spaces, a port 1-65535; entries separated by commas)");
            }
        }
    }

    private static void udp(ConfigValues v, List<String> problems) {
        for (String key : List.of("mqtt_sn.allowed_sources", "line_udp.allowed_sources", "mqtt.source_limits_exempt")) {
            for (String cidr : SluiceConfig.cidrs(v.string(key))) {
                if (!io.sluice.udp.LineDatagramConfig.isCidr(cidr)) {
                    problems.add(v.where(key) + ": " + key + ": '" + cidr + "' is not a CIDR network such as"
                            + " 10.0.0.0/8 or fd00::/8");
                }
            }
        }
        v.map("mqtt_sn.predefined_topics").forEach((id, topic) -> {
            int n;
            try {
                n = Integer.parseInt(id.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 65_534) {
                problems.add(v.where("mqtt_sn.predefined_topics") + ": mqtt_sn.predefined_topics: id '" + id
                        + "' is not an integer between 1 and 65534");
            }
            if (topic == null || topic.isEmpty() || topic.contains("+") || topic.contains("#")) {
                problems.add(v.where("mqtt_sn.predefined_topics") + ": mqtt_sn.predefined_topics: topic of id " + id
                        + " must be a non-empty topic name without wildcards");
            }
        });
        if (v.bool("mqtt_sn.enabled") && v.bool("line_udp.enabled") && v.integer("mqtt_sn.port") != 0
                && v.integer("mqtt_sn.port") == v.integer("line_udp.port")) {
            problems.add(v.where("line_udp.port") + ": line_udp.port must differ from mqtt_sn.port ("
                    + v.integer("mqtt_sn.port") + ")");
        }
    }

    private static void fanout(ConfigValues v, List<String> problems) {
        String dlq = v.string("fanout.dead_letter_topic");
        for (String other : List.of("kafka.readings_topic", "kafka.sessions_topic")) {
            if (dlq.equals(v.string(other))) {
                problems.add(v.where("fanout.dead_letter_topic") + ": fanout.dead_letter_topic must differ from "
                        + other + " ('" + dlq + "')");
            }
        }
        int initial = v.integer("fanout.retry_initial_ms");
        int max = v.integer("fanout.retry_max_ms");
        if (max < initial) {
            problems.add(v.where("fanout.retry_max_ms") + ": fanout.retry_max_ms (" + max
                    + ") must be at least fanout.retry_initial_ms (" + initial + ", " + v.where("fanout.retry_initial_ms")
                    + ")");
        }
        String url = v.string("fanout.influx_url");
        try {
            java.net.URI uri = new java.net.URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new java.net.URISyntaxException(url, "not an http:// or https:// URL with a host");
            }
        } catch (java.net.URISyntaxException e) {
            problems.add(v.where("fanout.influx_url") + ": fanout.influx_url: value '" + url
                    + "' is not an http:// or https:// URL with a host");
        }
        boolean v1 = v.string("fanout.influx_api").equals("v1");
        for (String key : v1 ? List.of("fanout.group_id", "fanout.influx_database")
                : List.of("fanout.group_id", "fanout.influx_org", "fanout.influx_bucket")) {
            if (v.string(key).isBlank()) {
                problems.add(v.where(key) + ": " + key + " must not be empty");
            }
        }
        if (v1) {
            influxV1Credentials(v, problems);
        }
        List<RuleSpec> rules = v.rules("fanout.rules");
        if (rules.isEmpty()) {
            problems.add(v.where("fanout.rules") + ": fanout.rules needs at least one rule");
        }
        for (RuleSpec r : rules) {
            try {
                r.toMappingRule();
            } catch (IllegalArgumentException e) {
                String where = r.line() > 0 ? v.fileName() + ":" + r.line() : v.where("fanout.rules");
                problems.add(where + ": fanout.rules[" + r.index() + "]: " + e.getMessage());
            }
        }
    }

    /** A username needs a readable password file and a password file a username; the password is never inline. */
    private static void influxV1Credentials(ConfigValues v, List<String> problems) {
        String user = v.string("fanout.influx_username");
        String file = v.string("fanout.influx_password_file");
        if (!user.isEmpty() && file.isEmpty()) {
            problems.add(v.where("fanout.influx_username") + ": fanout.influx_username '" + user + "' needs"
                    + " fanout.influx_password_file (the file holding its password)");
        } else if (user.isEmpty() && !file.isEmpty()) {
            problems.add(v.where("fanout.influx_password_file") + ": fanout.influx_password_file is set but"
                    + " fanout.influx_username is empty: no credentials would be sent");
        } else if (!file.isEmpty()) {
            java.nio.file.Path path = java.nio.file.Path.of(file);
            if (!java.nio.file.Files.isRegularFile(path) || !java.nio.file.Files.isReadable(path)) {
                problems.add(v.where("fanout.influx_password_file") + ": fanout.influx_password_file: '" + file
                        + "' " + (java.nio.file.Files.exists(path) ? "is not a readable file" : "does not exist"));
            }
        }
    }
}
