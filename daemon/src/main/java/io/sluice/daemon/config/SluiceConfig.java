package io.sluice.daemon.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import io.sluice.sinks.HeaderLayout;
import io.sluice.sinks.MappingRule;
import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration, immutable. Built only by {@link ConfigLoader}.
 */
public record SluiceConfig(String nodeId, Mqtt mqtt, MqttTls mqttTls, MqttSn mqttSn, LineUdp lineUdp, Ingest ingest,
                           Kafka kafka, Fanout fanout, Admin admin, Shutdown shutdown, Log log, Auth auth,
                           Delivery delivery, Downlink downlink) {

    /**
     * The downlink section (docs/DELIVERY.md, "Downlink"). {@code enabled} is false whenever delivery is off;
     * {@code receiptsTopic} is empty when receipts are off (always when delivery is off).
     */
    public record Downlink(boolean enabled, String topic, String group, int partitions, int maxPendingRecords,
                           long maxPendingBytes, int commitIntervalMs, String receiptsTopic, int receiptsPartitions,
                           long receiptsMaxPendingBytes) {
        /** Receipts without settings of their own: off. */
        public Downlink(boolean enabled, String topic, String group, int partitions, int maxPendingRecords,
                        long maxPendingBytes, int commitIntervalMs) {
            this(enabled, topic, group, partitions, maxPendingRecords, maxPendingBytes, commitIntervalMs, "", 12,
                    8L * 1024 * 1024);
        }

        /** True when receipts are written (docs/DELIVERY.md, "Downlink receipts"). */
        public boolean receipts() {
            return !receiptsTopic.isEmpty();
        }
    }

    /** The delivery section (docs/DELIVERY.md; its bounds in docs/LIMITS.md). */
    public record Delivery(boolean enabled, String topic, String retainedTopic, int partitions, int commitIntervalMs,
                           int lingerMs, String compression, int maxInflightPerSession, int maxQueuedMessagesPerSession, long maxQueuedBytes,
                           int maxRetainedMessages, long maxRetainedBytes, long maxPendingBytes,
                           int handoverTimeoutMs) {
    }

    /** The auth section; file paths are empty when not set. */
    public record Auth(String passwordFile, String aclFile, boolean allowAnonymous, boolean clientIdMustMatchIdentity,
                       int passwordCheckThreads, int passwordCheckQueue, int maxRememberedPasswords,
                       int aclCacheTopicsPerConnection) {
    }

    public record MqttSn(boolean enabled, String host, int port, int sockets, int receiveBufferBytes,
                         int maxDatagramBytes, long clientIdleMs, List<String> allowedSources, int ratePerSecond,
                         int burst, Map<Integer, String> predefinedTopics, int maxClients, int maxTopicsPerClient,
                         int maxTopicBytesPerClient, long maxTopicBytes, int maxInflightMessages) {
    }

    public record LineUdp(boolean enabled, String host, int port, int sockets, int receiveBufferBytes,
                          int maxDatagramBytes, List<String> allowedSources, int ratePerSecond, int burst) {
    }

    public record Mqtt(String host, int port, int ioThreads, int maxConnections, int maxPacketSizeBytes,
                       int maxInflightMessages, int topicAliasMaximum, long maxSessionExpirySeconds,
                       int connectTimeoutMs, int maxKeepAliveSeconds, int packetArrivalTimeoutMs,
                       int maxPersistentSessions, int maxClientIdBytes,
                       int maxSubscriptionsPerSession, int maxTopicFilterBytes, int sessionStoreTimeoutMs,
                       long sessionStoreMaxQueuedBytes, long maxPartialPacketBytes, boolean enabled,
                       int connectionRatePerSource, int connectionBurstPerSource, int maxConnectionsPerSource,
                       List<String> sourceLimitsExempt, boolean qos2Enabled, List<String> serverReferences,
                       int sessionCatchUpTimeoutMs) {
    }

    /** The TLS listener; file keys are empty strings when not set. */
    public record MqttTls(boolean enabled, String host, int port, String certFile, String keyFile,
                          String keyPasswordFile, String caFile, String crlFile, String clientAuth,
                          String identityFrom, List<String> protocols, List<String> ciphers, int handshakeTimeoutMs,
                          int sessionCacheSize, int sessionTimeoutSeconds, String provider) {
        /** The protocols module's TLS settings (valid once the loader checked the section). */
        public io.sluice.tls.TlsConfig tlsConfig() {
            return new io.sluice.tls.TlsConfig(host, port, path(certFile), path(keyFile), path(keyPasswordFile),
                    path(caFile), path(crlFile),
                    io.sluice.tls.TlsConfig.ClientAuthMode.valueOf(clientAuth.toUpperCase(java.util.Locale.ROOT)),
                    io.sluice.tls.TlsConfig.IdentitySource.valueOf(identityFrom.toUpperCase(java.util.Locale.ROOT)),
                    protocols, ciphers, handshakeTimeoutMs, sessionCacheSize, sessionTimeoutSeconds,
                    io.sluice.tls.TlsConfig.Provider.valueOf(provider.toUpperCase(java.util.Locale.ROOT)));
        }

        private static java.nio.file.Path path(String s) {
            return s.isBlank() ? null : java.nio.file.Path.of(s);
        }
    }

    public record Ingest(long maxInflightBytes, int udpMaxInflightPercent) {
    }

    public record Kafka(String bootstrapServers, String readingsTopic, String sessionsTopic, int lingerMs,
                        int batchSizeBytes, long bufferMemoryBytes, int deliveryTimeoutMs, int requestTimeoutMs,
                        int maxBlockMs, int startupTimeoutMs, boolean createTopics, int topicPartitions,
                        int topicReplicationFactor, int topicMinInsyncReplicas, Map<String, String> clientProperties,
                        HeaderLayout recordHeaders) {
    }

    public record Fanout(boolean enabled, int workers, String groupId, String deadLetterTopic,
                         boolean unmatchedToDeadLetter, String influxUrl, String influxOrg, String influxBucket,
                         String influxTokenFile, int batchMaxPoints, long batchMaxBytes, int lingerMs,
                         int writeTimeoutMs, int retryInitialMs, int retryMaxMs, List<MappingRule> rules,
                         InfluxV1 influxV1) {
    }

    /** The fan-out's InfluxDB 1.x write API settings (fanout.influx_api v1); null for the v2 API. */
    public record InfluxV1(String database, String retentionPolicy, String username, String passwordFile) {
    }

    public record Admin(String host, int port, String tokenFile, int requestTimeoutMs, int maxRequestBytes,
                        int maxConnections) {
    }

    public record Shutdown(int drainTimeoutMs, int drainDisconnectRatePerS) {
    }

    public record Log(String level, String format) {
    }

    static SluiceConfig from(ConfigValues v) {
        String node = v.string("node_id");
        if (node.isBlank()) {
            node = hostName().replaceAll("\\s", "_"); // one word: records carry it in a space-separated header
        }
        return new SluiceConfig(
                node,
                new Mqtt(v.string("mqtt.host"), v.integer("mqtt.port"), v.integer("mqtt.io_threads"),
                        v.integer("mqtt.max_connections"), v.integer("mqtt.max_packet_size_bytes"),
                        v.integer("mqtt.max_inflight_messages"), v.integer("mqtt.topic_alias_maximum"),
                        v.longValue("mqtt.max_session_expiry_seconds"), v.integer("mqtt.connect_timeout_ms"),
                        v.integer("mqtt.max_keep_alive_seconds"), v.integer("mqtt.packet_arrival_timeout_ms"),
                        v.integer("mqtt.max_persistent_sessions"), v.integer("mqtt.max_client_id_bytes"),
                        v.integer("mqtt.max_subscriptions_per_session"), v.integer("mqtt.max_topic_filter_bytes"),
                        v.integer("mqtt.session_store_timeout_ms"),
                        v.longValue("mqtt.session_store_max_queued_bytes"),
                        v.longValue("mqtt.max_partial_packet_bytes"), v.bool("mqtt.enabled"),
                        v.integer("mqtt.connection_rate_per_source"), v.integer("mqtt.connection_burst_per_source"),
                        v.integer("mqtt.max_connections_per_source"), cidrs(v.string("mqtt.source_limits_exempt")),
                        v.bool("mqtt.qos2_enabled"), cidrs(v.string("mqtt.server_references")),
                        v.integer("mqtt.session_catch_up_timeout_ms")),
                mqttTls(v),
                new MqttSn(v.bool("mqtt_sn.enabled"), v.string("mqtt_sn.host"), v.integer("mqtt_sn.port"),
                        v.integer("mqtt_sn.sockets"), v.integer("mqtt_sn.receive_buffer_bytes"),
                        v.integer("mqtt_sn.max_datagram_bytes"), v.longValue("mqtt_sn.client_idle_ms"),
                        cidrs(v.string("mqtt_sn.allowed_sources")), v.integer("mqtt_sn.rate_per_second"),
                        v.integer("mqtt_sn.burst"), topicIds(v.map("mqtt_sn.predefined_topics")),
                        v.integer("mqtt_sn.max_clients"), v.integer("mqtt_sn.max_topics_per_client"),
                        v.integer("mqtt_sn.max_topic_bytes_per_client"), v.longValue("mqtt_sn.max_topic_bytes"),
                        v.integer("mqtt_sn.max_inflight_messages")),
                new LineUdp(v.bool("line_udp.enabled"), v.string("line_udp.host"), v.integer("line_udp.port"),
                        v.integer("line_udp.sockets"), v.integer("line_udp.receive_buffer_bytes"),
                        v.integer("line_udp.max_datagram_bytes"), cidrs(v.string("line_udp.allowed_sources")),
                        v.integer("line_udp.rate_per_second"), v.integer("line_udp.burst")),
                new Ingest(v.longValue("ingest.max_inflight_bytes"), v.integer("ingest.udp_max_inflight_percent")),
                new Kafka(v.string("kafka.bootstrap_servers"), v.string("kafka.readings_topic"),
                        v.string("kafka.sessions_topic"), v.integer("kafka.linger_ms"), v.integer("kafka.batch_size_bytes"),
                        v.longValue("kafka.buffer_memory_bytes"), v.integer("kafka.delivery_timeout_ms"),
                        v.integer("kafka.request_timeout_ms"), v.integer("kafka.max_block_ms"),
                        v.integer("kafka.startup_timeout_ms"), v.bool("kafka.create_topics"),
                        v.integer("kafka.topic_partitions"), v.integer("kafka.topic_replication_factor"),
                        v.integer("kafka.topic_min_insync_replicas"), Map.copyOf(v.map("kafka.client_properties")),
                        HeaderLayout.valueOf(v.string("kafka.record_headers").toUpperCase(java.util.Locale.ROOT))),
                new Fanout(v.bool("fanout.enabled"), v.integer("fanout.workers"), v.string("fanout.group_id"),
                        v.string("fanout.dead_letter_topic"), v.string("fanout.unmatched").equals("dead_letter"),
                        v.string("fanout.influx_url"), v.string("fanout.influx_org"), v.string("fanout.influx_bucket"),
                        v.string("fanout.influx_token_file"), v.integer("fanout.batch_max_points"),
                        v.longValue("fanout.batch_max_bytes"), v.integer("fanout.linger_ms"),
                        v.integer("fanout.write_timeout_ms"), v.integer("fanout.retry_initial_ms"),
                        v.integer("fanout.retry_max_ms"),
                        v.rules("fanout.rules").stream().map(RuleSpec::toMappingRule).toList(),
                        !v.string("fanout.influx_api").equals("v1") ? null : new InfluxV1(
                                v.string("fanout.influx_database"), v.string("fanout.influx_retention_policy"),
                                v.string("fanout.influx_username"), v.string("fanout.influx_password_file"))),
                new Admin(v.string("admin.host"), v.integer("admin.port"), v.string("admin.token_file"),
                        v.integer("admin.request_timeout_ms"), v.integer("admin.max_request_bytes"),
                        v.integer("admin.max_connections")),
                new Shutdown(v.integer("shutdown.drain_timeout_ms"), v.integer("shutdown.drain_disconnect_rate_per_s")),
                new Log(v.string("log.level"), v.string("log.format")),
                new Auth(v.string("auth.password_file"), v.string("auth.acl_file"), v.bool("auth.allow_anonymous"),
                        v.bool("auth.client_id_must_match_identity"), v.integer("auth.password_check_threads"),
                        v.integer("auth.password_check_queue"), v.integer("auth.max_remembered_passwords"),
                        v.integer("auth.acl_cache_topics_per_connection")),
                new Delivery(v.bool("delivery.enabled"), v.string("delivery.topic"), v.string("delivery.retained_topic"),
                        v.integer("delivery.partitions"), v.integer("delivery.commit_interval_ms"),
                        v.integer("delivery.linger_ms"), v.string("delivery.compression"),
                        v.integer("delivery.max_inflight_per_session"),
                        v.integer("delivery.max_queued_messages_per_session"),
                        v.longValue("delivery.max_queued_bytes"), v.integer("delivery.max_retained_messages"),
                        v.longValue("delivery.max_retained_bytes"), v.longValue("delivery.max_pending_bytes"),
                        v.integer("delivery.handover_timeout_ms")),
                new Downlink(v.bool("delivery.enabled") && v.bool("downlink.enabled"), v.string("downlink.topic"),
                        v.string("downlink.group"), v.integer("downlink.partitions"),
                        v.integer("downlink.max_pending_records"), v.longValue("downlink.max_pending_bytes"),
                        v.integer("downlink.commit_interval_ms"),
                        v.bool("delivery.enabled") ? v.string("downlink.receipts_topic") : "",
                        v.integer("downlink.receipts_partitions"), v.longValue("downlink.receipts_max_pending_bytes")));
    }

    static MqttTls mqttTls(ConfigValues v) {
        return new MqttTls(v.bool("mqtt_tls.enabled"), v.string("mqtt_tls.host"), v.integer("mqtt_tls.port"),
                v.string("mqtt_tls.cert_file"), v.string("mqtt_tls.key_file"), v.string("mqtt_tls.key_password_file"),
                v.string("mqtt_tls.ca_file"), v.string("mqtt_tls.crl_file"), v.string("mqtt_tls.client_auth"),
                v.string("mqtt_tls.identity_from"), cidrs(v.string("mqtt_tls.protocols")),
                cidrs(v.string("mqtt_tls.ciphers")), v.integer("mqtt_tls.handshake_timeout_ms"),
                v.integer("mqtt_tls.session_cache_size"), v.integer("mqtt_tls.session_timeout_seconds"),
                v.string("mqtt_tls.provider"));
    }

    /** A comma-separated list (CIDR networks, server references; validated by {@link CrossFieldRules}). */
    static List<String> cidrs(String text) {
        return java.util.Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** Predefined topic ids (validated by {@link CrossFieldRules}). */
    static Map<Integer, String> topicIds(Map<String, String> raw) {
        Map<Integer, String> out = new java.util.TreeMap<>();
        raw.forEach((k, v) -> out.put(Integer.parseInt(k.strip()), v));
        return Map.copyOf(out);
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "sluice";
        }
    }
}
