package io.sluice.daemon.config;

import static io.sluice.daemon.config.ConfigKey.bool;
import static io.sluice.daemon.config.ConfigKey.choice;
import static io.sluice.daemon.config.ConfigKey.map;
import static io.sluice.daemon.config.ConfigKey.number;
import static io.sluice.daemon.config.ConfigKey.rules;
import static io.sluice.daemon.config.ConfigKey.string;
import static io.sluice.daemon.config.KeyType.INT;
import static io.sluice.daemon.config.KeyType.LONG;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key Sluice's YAML config accepts, in the order the sample file and the reference list them. Sections are
 * the first segment of each path. Adding a key here makes it valid, documented and part of the sample at once.
 */
public final class ConfigSchema {
    private static final long MIB = 1024L * 1024L;

    public static final List<ConfigKey> KEYS = List.of(
            string("node_id", "",
                    "Name of this node, written into every record it takes (see docs/RECORDS.md); no whitespace."
                            + " Empty means the host name."),

            bool("mqtt.enabled", true,
                    "Open the plain (unencrypted) MQTT listener. Turn it off when every client uses the TLS"
                            + " listener (mqtt_tls); the other mqtt.* keys apply to both listeners."),
            string("mqtt.host", "127.0.0.1",
                    "Address the MQTT listener binds to. Loopback by default, as Mosquitto 2 does when unconfigured:"
                            + " a fresh install takes local clients only until authentication is set up (auth"
                            + " section). To serve other hosts set 0.0.0.0 (or an interface's address) together with"
                            + " auth.password_file (or client certificates), or auth.allow_anonymous: true; `sluice"
                            + " config check` refuses a non-loopback listener that would refuse every remote client."),
            number("mqtt.port", INT, 1883, 0, 65535, "TCP port of the MQTT listener (0 picks a free port)."),
            number("mqtt.io_threads", INT, 0, 0, 1024,
                    "Event-loop threads serving MQTT connections; 0 means one per CPU core."),
            number("mqtt.max_connections", INT, 1_000_000, 1, 100_000_000,
                    "Connections accepted at once; beyond it new connections are refused before CONNACK (event"
                            + " max_connections_refused). With mqtt.server_references set, up to 1,000 connections"
                            + " past it are kept until their CONNECT (at most mqtt.connect_timeout_ms), so MQTT 5"
                            + " clients get CONNACK 0x9C (use another server) naming one of them; MQTT 3.1.1 clients"
                            + " and connections past that margin are closed without CONNACK."),
            string("mqtt.server_references", "",
                    "Comma-separated addresses of the other nodes as clients reach them, each host:port (e.g."
                            + " mqtt-2.example.com:1883,mqtt-3.example.com:1883), sent to MQTT 5 clients as the"
                            + " Server Reference, one entry per client in turn so clients spread over them. When set,"
                            + " a stop (SIGTERM) and sluice drain end MQTT 5 connections with DISCONNECT 0x9C (use"
                            + " another server) instead of 0x8B (server shutting down), and a CONNECT past"
                            + " mqtt.max_connections gets CONNACK 0x9C. Empty (the default): off."),
            number("mqtt.max_packet_size_bytes", INT, 262_144, 64, 268_435_455,
                    "Largest MQTT packet accepted (advertised to MQTT 5 clients as Maximum Packet Size). Keep it"
                            + " below the Kafka broker's message.max.bytes."),
            number("mqtt.max_inflight_messages", INT, 128, 1, 65_535,
                    "QoS1 messages one connection may have waiting for the Kafka acknowledgement; advertised to"
                            + " MQTT 5 clients as Receive Maximum. When reached, Sluice stops reading that socket."),
            number("mqtt.topic_alias_maximum", INT, 16, 0, 65_535,
                    "Topic aliases an MQTT 5 client may use per connection (0 disables aliases), and at most as many this node"
                            + " uses towards a client that allows them (its Topic Alias Maximum)."),
            number("mqtt.max_session_expiry_seconds", LONG, 604_800, 0, 4_294_967_295L,
                    "Upper bound on how long a persistent session is kept after its client disconnects;"
                            + " MQTT 3.1.1 persistent sessions get this value."),
            number("mqtt.connect_timeout_ms", INT, 10_000, 100, 600_000,
                    "A connection that sends no CONNECT within this time is closed."),
            number("mqtt.max_keep_alive_seconds", INT, 1200, 1, 65_535,
                    "Longest keep alive a client gets, also a client asking for 0 (none) or for more. MQTT 5"
                            + " clients are told in CONNACK (Server Keep Alive); MQTT 3.1.1 clients are not, so one"
                            + " asking for more is closed after 1.5 times this value without a packet. A silent or"
                            + " half-open socket holds its connection slot and session at most that long. 1200 s is the"
                            + " largest keep alive major managed brokers accept, so existing fleets keep their setting."
                            + " Time Sluice itself stops reading a socket (backpressure, drain) does not count."),
            number("mqtt.packet_arrival_timeout_ms", INT, 30_000, 100, 3_600_000,
                    "A packet whose first byte arrived must be complete within this time, or the connection is"
                            + " closed (event packet_arrival_timeout; MQTT 5: DISCONNECT 0x83 with a reason string)."
                            + " Bounds how long a slow-loris socket pins a decoder buffer of up to"
                            + " mqtt.max_packet_size_bytes, whatever its keep alive. The default lets a"
                            + " largest-size packet (256 KiB) arrive at about 9 KB/s. Time Sluice itself stops reading"
                            + " the socket does not count."),
            number("mqtt.max_partial_packet_bytes", LONG, 32 * MIB, 64, 64L * 1024 * MIB,
                    "Bytes of started-but-incomplete MQTT packets all connections may hold together (decoder"
                            + " buffers; each connection's share is at most mqtt.max_packet_size_bytes). Beyond it,"
                            + " Sluice stops reading the sockets that hold part of a packet (event"
                            + " partial_packet_bytes_full, gauge sluice.mqtt.partial_packet.bytes) and reads them"
                            + " again as the total falls; their mqtt.packet_arrival_timeout_ms keeps running, so a"
                            + " slow-loris socket is still closed in time. Complete packets and new connections are"
                            + " not held up. Caps that heap at this value plus one socket read (at most 64 KiB) per"
                            + " connection reading when it is reached. At least mqtt.max_packet_size_bytes."),
            number("mqtt.connection_rate_per_source", INT, 100, 0, 10_000_000,
                    "New connections one source address may open per second (a token bucket, on the plain and the"
                            + " TLS listener together); beyond it connections are closed at accept time, before any"
                            + " TLS handshake or MQTT packet (event connection_rate_per_source_exceeded). 0 turns it"
                            + " off. A sensor reconnects rarely, so 100/s with a burst of"
                            + " mqtt.connection_burst_per_source lets a whole site behind one NAT address reconnect"
                            + " after an outage (1,000 at once, then 100 a second: 10,000 sensors in 90 s, their"
                            + " retries back off meanwhile) while one host's reconnect storm costs at most 100"
                            + " handshakes a second."),
            number("mqtt.connection_burst_per_source", INT, 1_000, 1, 10_000_000,
                    "New connections one source address may open at once above mqtt.connection_rate_per_source."),
            number("mqtt.max_connections_per_source", INT, 10_000, 0, 100_000_000,
                    "Connections one source address may hold open at once (both listeners); more are closed at"
                            + " accept time (event connections_per_source_exceeded). 0 turns it off. Carrier-grade"
                            + " NAT shares an address among tens to hundreds of subscribers and a site gateway"
                            + " fronts a few thousand sensors, so 10,000 leaves room for both while keeping one host"
                            + " from taking mqtt.max_connections for itself. Raise it for a larger fleet behind one"
                            + " address."),
            string("mqtt.source_limits_exempt", "127.0.0.0/8,::1/128",
                    "Comma-separated CIDR networks the per-source limits above do not apply to. Loopback by"
                            + " default: behind a local TLS terminator or proxy every client shows as a loopback"
                            + " address, and local load generators and health checks are not a network storm. Add a"
                            + " load balancer's addresses when it does not pass the client address on; set it"
                            + " empty to limit loopback too."),
            number("mqtt.max_persistent_sessions", INT, 1_000_000, 0, 100_000_000,
                    "Persistent sessions this node stores (in the sessions topic and in heap, reloaded at start-up)."
                            + " A CONNECT that would create one more is refused (MQTT 5 CONNACK 0x97 quota exceeded,"
                            + " 3.1.1 0x03 server unavailable, event persistent_sessions_full); resuming a stored"
                            + " session is always allowed. Caps the heap of stored sessions at this times at most"
                            + " (200 B + 2 x mqtt.max_client_id_bytes + mqtt.max_subscriptions_per_session x (100 B"
                            + " + 2 x mqtt.max_topic_filter_bytes)): about 150 MB per million sensor sessions with"
                            + " 20-byte ids and no subscriptions, at most 5.6 GB at the defaults (docs/LIMITS.md)."),
            number("mqtt.max_client_id_bytes", INT, 256, 23, 65_535,
                    "Longest client identifier accepted, in UTF-8 bytes (MQTT requires at least 23); longer ones"
                            + " get CONNACK 0x85 (MQTT 5) or 0x02 (3.1.1), event client_id_too_long. Caps an id's"
                            + " heap at twice this in every session and connection that holds it."),
            number("mqtt.max_subscriptions_per_session", INT, 8, 1, 65_535,
                    "Topic filters one session may hold; each filter beyond it gets SUBACK 0x97 quota exceeded"
                            + " (MQTT 5) or 0x80 (3.1.1), event subscriptions_per_session_exceeded. Sensors rarely"
                            + " need more than a command and a config filter. Caps a session's subscriptions at"
                            + " this times (100 B + 2 x mqtt.max_topic_filter_bytes) of heap."),
            number("mqtt.max_topic_filter_bytes", INT, 256, 1, 65_535,
                    "Longest topic filter a SUBSCRIBE may store, in UTF-8 bytes; a longer one gets SUBACK 0x8F"
                            + " (MQTT 5) or 0x80 (3.1.1), event topic_filter_too_long. A stored filter takes at"
                            + " most 100 B + 2 x this of heap."),
            number("mqtt.session_store_timeout_ms", INT, 5_000, 100, 600_000,
                    "How long a CONNECT, SUBSCRIBE or UNSUBSCRIBE waits for its session write to reach Kafka;"
                            + " then the CONNECT is refused with server unavailable (event session_store_timeout)"
                            + " and a SUBACK/UNSUBACK carries 0x80, instead of the client hanging through a Kafka"
                            + " outage. Resuming an unchanged session needs no write and is not affected."),
            number("mqtt.session_catch_up_timeout_ms", INT, 1_000, 0, 60_000,
                    "When several nodes share the sessions topic: how long a CONNECT that may resume a session"
                            + " waits for this node to read every session record written before it (by any node),"
                            + " so a client that subscribed on another node a moment ago resumes here with that"
                            + " subscription and the right session present. Then the CONNECT goes on with what this"
                            + " node knows (event session_catch_up_timeout). 0: no wait. A node that has never seen"
                            + " another node's record does not wait."),
            number("mqtt.session_store_max_queued_bytes", LONG, 16 * MIB, 65_536, 1024 * MIB,
                    "Session writes waiting for the session log's sender (while Kafka is slow or down), in bytes"
                            + " of encoded sessions plus 128 B each; writes for the same client id replace each"
                            + " other, so only the latest state waits. Beyond it a write fails at once (a CONNECT"
                            + " is refused with server unavailable). Caps that queue's heap at about this."),
            bool("mqtt.qos2_enabled", true,
                    "Accept QoS 2 PUBLISHes, exactly once into the readings topic (docs/MQTT.md): PUBREC once Kafka"
                            + " holds the reading, and for a persistent session its packet id is remembered in the"
                            + " sessions topic in the same Kafka transaction until PUBREL. Needs a Kafka that allows"
                            + " transactions (transactional.id sluice-qos2-<node_id>; a transaction per group commit)."
                            + " Off: QoS 2 is refused (MQTT 5: Maximum QoS 1 in CONNACK, DISCONNECT 0x9B)."),

            bool("mqtt_tls.enabled", false,
                    "Open the MQTT over TLS listener (docs/TLS.md). It shares every mqtt.* bound with the plain"
                            + " listener; mqtt.enabled turns the plain one off."),
            string("mqtt_tls.host", "0.0.0.0", "Address the TLS listener binds to."),
            number("mqtt_tls.port", INT, 8883, 0, 65535, "TCP port of the TLS listener (0 picks a free port)."),
            string("mqtt_tls.cert_file", "",
                    "PEM certificate chain the listener presents, its own certificate first. Reloaded when it"
                            + " changes and on SIGHUP; new connections get the new one."),
            string("mqtt_tls.key_file", "",
                    "PEM PKCS#8 private key of that certificate (-----BEGIN PRIVATE KEY-----, or ENCRYPTED PRIVATE"
                            + " KEY with mqtt_tls.key_password_file). Reloaded with the certificate."),
            string("mqtt_tls.key_password_file", "",
                    "File whose first line is the password of an encrypted key; empty when the key is not"
                            + " encrypted."),
            string("mqtt_tls.ca_file", "",
                    "PEM bundle of the CAs client certificates must chain to; needed when"
                            + " mqtt_tls.client_auth is optional or required. Reloaded when it changes."),
            string("mqtt_tls.crl_file", "",
                    "PEM (or DER) certificate revocation lists of those CAs; a revoked client certificate is"
                            + " refused in the handshake. Each CA that signs client certificates needs its CRL here."
                            + " Empty: no revocation check. Reloaded when it changes."),
            choice("mqtt_tls.client_auth", "none", List.of("none", "optional", "required"),
                    "Client certificates: not asked for, verified when presented, or required (mTLS). A"
                            + " client without a valid one is refused in the handshake when required."),
            choice("mqtt_tls.identity_from", "cn", List.of("cn", "san_dns", "san_uri", "san_email"),
                    "Where a verified client certificate's identity comes from: the subject CN, or the first"
                            + " subject alternative name of that type. A certificate without one is closed"
                            + " (event certificate_without_identity)."),
            string("mqtt_tls.protocols", "TLSv1.3,TLSv1.2",
                    "TLS versions offered, comma-separated: TLSv1.3 and/or TLSv1.2."),
            string("mqtt_tls.ciphers", "",
                    "Cipher suites offered, comma-separated (IANA names, e.g."
                            + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); empty: forward-secret AEAD suites only"
                            + " (AES-GCM and ChaCha20-Poly1305 with ECDHE)."),
            number("mqtt_tls.handshake_timeout_ms", INT, 10_000, 100, 600_000,
                    "A TLS handshake not finished within this time closes the connection (event"
                            + " tls_handshake_failed); bounds how long a silent socket holds a handshake's state."),
            number("mqtt_tls.session_cache_size", INT, 20_000, 0, 10_000_000,
                    "TLS sessions kept for resumption (an abbreviated handshake when a client reconnects); bounds"
                            + " the session cache (native memory with BoringSSL). 0: the provider's default."),
            number("mqtt_tls.session_timeout_seconds", INT, 7_200, 0, 86_400,
                    "How long a TLS session may be resumed. 0: the provider's default."),

            choice("mqtt_tls.provider", "auto", List.of("auto", "openssl", "jdk"),
                    "TLS implementation: auto (BoringSSL from netty-tcnative where it loads, else the JDK's TLS,"
                            + " said at start-up), openssl (BoringSSL or no start), jdk (the JDK's TLS; more CPU per"
                            + " handshake). `sluice status` shows the one in use (tls_provider)."),

            bool("mqtt_sn.enabled", false,
                    "Run the MQTT-SN 1.2 gateway on UDP. QoS 1 PUBLISHes are acknowledged only once Kafka holds them;"
                            + " QoS 0 and -1 are at most once."),
            string("mqtt_sn.host", "0.0.0.0", "Address the MQTT-SN gateway binds to."),
            number("mqtt_sn.port", INT, 1884, 0, 65535, "UDP port of the MQTT-SN gateway (0 picks a free port)."),
            number("mqtt_sn.sockets", INT, 2, 1, 64,
                    "Sockets sharing the port with SO_REUSEPORT (one event-loop thread each); a client always"
                            + " reaches the same socket."),
            number("mqtt_sn.receive_buffer_bytes", INT, 4 * (int) MIB, 65_536, 1 << 30,
                    "SO_RCVBUF of each socket (the kernel caps it at net.core.rmem_max)."),
            number("mqtt_sn.max_datagram_bytes", INT, 4096, 8, 65_507,
                    "Larger datagrams are dropped and counted as too_large."),
            number("mqtt_sn.client_idle_ms", LONG, 86_400_000, 1_000, 31L * 86_400_000,
                    "State of a client (registered topics, duplicate detection) silent this long, beyond a sleep it"
                            + " announced, is forgotten."),
            string("mqtt_sn.allowed_sources", "",
                    "Comma-separated CIDR networks allowed to send (e.g. 10.0.0.0/8, fd00::/8); empty allows all."),
            number("mqtt_sn.rate_per_second", INT, 0, 0, 10_000_000,
                    "Datagrams per second one source address may send; more are dropped as rate_limited. 0: no"
                            + " limit."),
            number("mqtt_sn.burst", INT, 100, 1, 10_000_000, "Datagrams a source may send at once above its rate."),
            number("mqtt_sn.max_clients", INT, 1_000_000, 1, 100_000_000,
                    "Clients whose state the gateway holds at once (connected or asleep, about 500 bytes of heap"
                            + " each plus their topic names); a CONNECT for a new client id beyond it gets CONNACK"
                            + " \"rejected: congestion\" (too_many_clients)."),
            number("mqtt_sn.max_topics_per_client", INT, 256, 0, 65_534,
                    "Topic names one client may register; more get REGACK \"not supported\" (too_many_topics)."),
            number("mqtt_sn.max_topic_bytes_per_client", INT, 32_768, 49, 1 << 24,
                    "Bytes of the topics one client may register, each topic counting its name's UTF-8 bytes plus"
                            + " 48 (its heap overhead); more get REGACK \"not supported\" (topic_bytes_per_client)."),
            number("mqtt_sn.max_topic_bytes", LONG, 64 * MIB, 49, 1L << 40,
                    "Bytes of the registered topics of all clients together, counted as above (heap is at most"
                            + " about twice this, for names outside Latin-1); more get REGACK \"rejected:"
                            + " congestion\" (topic_bytes_total), until clients leave."),
            number("mqtt_sn.max_inflight_messages", INT, 32, 1, 65_535,
                    "QoS 1 PUBLISHes one client may have waiting for Kafka; more get PUBACK \"rejected:"
                            + " congestion\" (inflight_full) and are not written."),
            map("mqtt_sn.predefined_topics",
                    "Predefined topic ids (1..65534) and their topic names, usable without REGISTER and by QoS -1"
                            + " senders that never connect."),

            bool("line_udp.enabled", false,
                    "Accept InfluxDB line protocol in plain UDP datagrams (as InfluxDB 1.x's and Telegraf's UDP"
                            + " listeners do). At most once: datagrams are never acknowledged."),
            string("line_udp.host", "0.0.0.0", "Address the line-protocol listener binds to."),
            number("line_udp.port", INT, 8089, 0, 65535, "UDP port for line-protocol datagrams (0 picks a free port)."),
            number("line_udp.sockets", INT, 2, 1, 64, "Sockets sharing the port with SO_REUSEPORT."),
            number("line_udp.receive_buffer_bytes", INT, 4 * (int) MIB, 65_536, 1 << 30,
                    "SO_RCVBUF of each socket (the kernel caps it at net.core.rmem_max)."),
            number("line_udp.max_datagram_bytes", INT, 65_507, 64, 65_507,
                    "Larger datagrams are dropped and counted as too_large."),
            string("line_udp.allowed_sources", "",
                    "Comma-separated CIDR networks allowed to send; empty allows all."),
            number("line_udp.rate_per_second", INT, 0, 0, 10_000_000,
                    "Datagrams per second one source address may send; 0: no limit."),
            number("line_udp.burst", INT, 1000, 1, 10_000_000, "Datagrams a source may send at once above its rate."),

            string("auth.password_file", "",
                    "Password file in the format mosquitto_passwd writes (user:$7$iterations$salt$hash, PBKDF2-SHA512;"
                            + " $6$ lines read for migration); manage it with `sluice passwd`. Reloaded when it changes"
                            + " and on SIGHUP. Empty: no passwords; a user name in CONNECT then proves nothing and the"
                            + " client is anonymous. See docs/AUTH.md."),
            string("auth.acl_file", "",
                    "ACL file in Mosquitto's acl_file format (user, topic [read|write|readwrite|deny], pattern with %c"
                            + " and %u). Once set, what it does not allow is refused: PUBLISH gets MQTT 5 PUBACK 0x87 or"
                            + " (3.1.1 QoS 1) a closed connection, SUBSCRIBE 0x87/0x80. Reloaded when it changes and on"
                            + " SIGHUP. Empty: every client may publish and subscribe to every topic."),
            bool("auth.allow_anonymous", false,
                    "Accept clients without credentials on every listener. Off (as in Mosquitto 2): anonymous"
                            + " clients are accepted only when no authentication is configured and they reach a"
                            + " loopback address; elsewhere they get CONNACK 0x87 (MQTT 5) / 0x05 (3.1.1), event"
                            + " anonymous_not_authorized. MQTT-SN and line_udp carry no credentials: with this off they"
                            + " start only on a loopback host or with allowed_sources set."),
            bool("auth.client_id_must_match_identity", false,
                    "An authenticated client (password or certificate) must use its identity as client id;"
                            + " another gets CONNACK 0x85 (MQTT 5) / 0x02 (3.1.1), event client_id_not_identity."),
            number("auth.password_check_threads", INT, 1, 1, 256,
                    "Threads computing password hashes, apart from the event loops. One PBKDF2 at the default"
                            + " 10,000 iterations costs 10-17 ms of CPU (docs/AUTH.md), so one thread checks 60-100"
                            + " new passwords per second; a remembered one costs no thread."),
            number("auth.password_check_queue", INT, 1_000, 1, 1_000_000,
                    "Password checks that may wait for a thread; more are refused at once with CONNACK 0x89 server"
                            + " busy (MQTT 5) / 0x03 (3.1.1), event password_check_busy. Each waiting CONNECT holds"
                            + " its connection, paused."),
            number("auth.max_remembered_passwords", INT, 100_000, 0, 100_000_000,
                    "Successful password checks remembered (a keyed HMAC of user and password, never the"
                            + " password; about 200 B of heap each), so a device reconnecting costs one PBKDF2, not one"
                            + " per CONNECT; least recently used forgotten first, all forgotten when the password file"
                            + " changes. 0 remembers none."),
            number("auth.acl_cache_topics_per_connection", INT, 8, 1, 65_535,
                    "ACL answers one connection remembers, by topic, so a PUBLISH (or a message sent to it) does not"
                            + " walk the ACL each time: this many for publishing and as many for receiving (about"
                            + " 100 B + 2 x the topic's length each); when full they start over. A reload of the ACL"
                            + " file forgets them."),

            number("ingest.max_inflight_bytes", LONG, 64 * MIB, 1024, 64L * 1024 * MIB,
                    "Global budget of bytes received but not yet acknowledged by Kafka. When spent, Sluice stops"
                            + " reading the sockets that want more and resumes as acknowledgements free room."
                            + " Must not exceed kafka.buffer_memory_bytes."),
            number("ingest.udp_max_inflight_percent", INT, 25, 1, 90,
                    "Share of ingest.max_inflight_bytes that the UDP sources (MQTT-SN and line_udp) may hold"
                            + " together; beyond it datagrams are dropped as budget_spent, so a datagram flood never"
                            + " spends the budget MQTT readers need (they keep at least the rest). Caps what"
                            + " datagrams hold in flight at this share of the budget: 16 MiB at the defaults."),

            string("kafka.bootstrap_servers", "localhost:9092", "Kafka bootstrap servers, comma separated host:port."),
            string("kafka.readings_topic", "sluice.readings", "Topic every reading is written to."),
            string("kafka.sessions_topic", "sluice.sessions",
                    "Compacted topic holding persistent MQTT sessions; read in full at start-up."),
            choice("kafka.record_headers", "compact", List.of("compact", "full"),
                    "How each reading's topic, receive time, protocol, protocol version, QoS and node go into its"
                            + " record: compact puts them in one header named sluice, full in one header each"
                            + " (sluice.topic, sluice.received_ns, ...), as header-based Kafka tools may want; a"
                            + " Kafka consumer then spends about a third more CPU per record reading them. The"
                            + " fan-out reads both (docs/RECORDS.md)."),
            number("kafka.linger_ms", INT, 5, 0, 60_000,
                    "How long the producer waits to fill a batch; adds up to this much to every PUBACK."),
            number("kafka.batch_size_bytes", INT, 262_144, 1024, 64 * 1024 * 1024,
                    "Producer batch size per partition."),
            number("kafka.buffer_memory_bytes", LONG, 128 * MIB, 1024 * 1024, 64L * 1024 * MIB,
                    "Memory the producer may use for records not yet sent. Must be at least"
                            + " ingest.max_inflight_bytes so a send never blocks on a full buffer."),
            number("kafka.delivery_timeout_ms", INT, 120_000, 1_000, Integer.MAX_VALUE,
                    "How long the producer keeps retrying one record before reporting failure. The client then"
                            + " gets no PUBACK: its connection is closed (MQTT 5: DISCONNECT 0x89 server busy), so it"
                            + " retransmits."),
            number("kafka.request_timeout_ms", INT, 30_000, 100, Integer.MAX_VALUE,
                    "Producer request timeout. Must be below kafka.delivery_timeout_ms minus kafka.linger_ms."),
            number("kafka.max_block_ms", INT, 60_000, 0, Integer.MAX_VALUE,
                    "How long a send may wait for metadata while Kafka is unreachable (on Sluice's sender"
                            + " thread, never an event loop)."),
            number("kafka.startup_timeout_ms", INT, 120_000, 1_000, Integer.MAX_VALUE,
                    "How long start-up waits for Kafka to answer before giving up."),
            bool("kafka.create_topics", true,
                    "Create the readings and sessions topics (and the delivery topics when delivery.enabled) at"
                            + " start-up when absent (never alters existing ones)."),
            number("kafka.topic_partitions", INT, 12, 1, 100_000, "Partitions of a readings topic Sluice creates."),
            number("kafka.topic_replication_factor", INT, 3, 1, 32, "Replication factor of topics Sluice creates."),
            number("kafka.topic_min_insync_replicas", INT, 2, 1, 32,
                    "min.insync.replicas of topics Sluice creates; with acks=all a write is acknowledged only"
                            + " once this many replicas have it."),
            map("kafka.client_properties",
                    "Extra Kafka client properties (e.g. security.protocol, sasl.*, ssl.*) applied to every Kafka"
                            + " client Sluice builds: producers, consumers and admin clients. See \"Securing the Kafka"
                            + " connection\" in README.md."),

            bool("delivery.enabled", true,
                    "Deliver published messages to MQTT subscribers, keep retained messages and offline queues"
                            + " (docs/DELIVERY.md). Off: SUBSCRIBE is still granted and stored, nothing is delivered"
                            + " and a PUBLISH with RETAIN is refused; the delivery topics are neither created nor read."),
            string("delivery.topic", "sluice.delivery",
                    "Topic of messages on their way to subscribers: one record per message and node that has a"
                            + " matching subscriber, keyed by that node's node_id (docs/RECORDS.md). Each node reads"
                            + " only its own partition. Created at start-up like the other topics (cleanup.policy"
                            + " delete, kafka.topic_replication_factor and kafka.topic_min_insync_replicas)."),
            string("delivery.retained_topic", "sluice.retained",
                    "Compacted topic of retained messages, keyed by MQTT topic; an empty retained payload is"
                            + " written as a tombstone. Every node reads it whole at start-up and follows it."),
            number("delivery.partitions", INT, 16, 1, 100_000,
                    "Partitions of delivery.topic: a node's partition is murmur2(node_id) modulo this, as Kafka's"
                            + " own partitioner picks, so every node of a cluster must say the same and the topic must"
                            + " have exactly this many (start-up stops naming this key otherwise). More partitions"
                            + " spread nodes apart: nodes sharing a partition read and pass over each other's"
                            + " records. Also the partitions of delivery.retained_topic when Sluice creates it."),
            number("delivery.commit_interval_ms", INT, 1_000, 10, 600_000,
                    "How often this node stores its position in its delivery partition (consumer group"
                            + " sluice.delivery.<node_id>), and at shutdown. After a restart or a kill -9 the node"
                            + " reads again from the last stored position: messages finished after it are delivered"
                            + " again (at least once), none are lost."),
            number("delivery.linger_ms", INT, 1, 0, 1_000,
                    "How long the delivery log's producer waits to batch writes to delivery.topic and"
                            + " delivery.retained_topic (its linger.ms); readings keep kafka.linger_ms. A delivered"
                            + " message waits up to this long before Kafka has it: lower it for publish-to-delivery"
                            + " latency at the cost of more, smaller Kafka requests (more CPU in Sluice and the"
                            + " broker at the same rate; docs/BENCHMARKS.md)."),
            choice("delivery.compression", "lz4", List.of("none", "lz4", "snappy", "zstd", "gzip"),
                    "Compression of the delivery log's writes (its producer's compression.type; overrides one in"
                            + " kafka.client_properties). Delivery records are read back within milliseconds by the"
                            + " subscribers' node: none saves the compression work in Sluice and the broker for more"
                            + " bytes on the wire and on disk."),
            number("delivery.max_inflight_per_session", INT, 32, 1, 65_535,
                    "QoS 1/2 messages sent to one MQTT 3.1.1 subscriber and not yet acknowledged; the next waits for"
                            + " a PUBACK/PUBCOMP. MQTT 5 clients set their own with Receive Maximum. Also the QoS 2"
                            + " messages in flight to any persistent session, MQTT 5 included (their state is recorded"
                            + " in the sessions topic for restarts; docs/DELIVERY.md)."),
            number("delivery.max_queued_messages_per_session", INT, 10_000, 0, 10_000_000,
                    "Messages waiting for one session (sent and unacknowledged ones included), connected or"
                            + " offline. Beyond it a new message for that session is dropped: event queue_full,"
                            + " shown per session by `sluice sessions show`. QoS 0 messages are never queued for an"
                            + " offline session (event qos0_offline_dropped)."),
            number("delivery.handover_timeout_ms", INT, 5_000, 0, 600_000,
                    "When a persistent session's client reconnects to this node while its session was on another"
                            + " node, the messages matched here for it wait until that node has handed over what it"
                            + " held for the session (queued and unacknowledged messages, which go first), at most"
                            + " this long (event handover_timeout), and not at all when that node had stopped"
                            + " gracefully. Then this node reads what the old node held for the session from that"
                            + " node's delivery partition itself (it may be gone), and the held messages go out after"
                            + " that (docs/DELIVERY.md, \"Node death\"), and reads it once more this long later for"
                            + " what other nodes still sent there. A node that stops keeps forwarding messages for"
                            + " sessions that just moved away from it this long after each move (at most twice this"
                            + " long). 0: no wait, no such recovery and no forwarding."),
            number("delivery.max_queued_bytes", LONG, 128 * MIB, 0, 1024L * 1024 * MIB,
                    "Bytes of messages waiting for subscribers across all sessions, each queued copy counted as"
                            + " its payload + 2 x its topic + 160 B (copies of one message share its payload, so this"
                            + " overstates their heap). Beyond it a new message for a session is dropped: event"
                            + " queued_bytes_full."),
            number("delivery.max_retained_messages", INT, 100_000, 0, 100_000_000,
                    "Retained messages this node holds in heap. Beyond it the retained message of a further topic"
                            + " is not held (not served to new subscribers), counted (retained_refused in sluice"
                            + " status) and logged once; it stays in the retained topic."),
            number("delivery.max_retained_bytes", LONG, 64 * MIB, 0, 1024L * 1024 * MIB,
                    "Bytes of retained messages this node holds in memory (payload + 2 x topic + 200 B + 160 B per topic level each, the last for the index SUBSCRIBE searches). A"
                            + " PUBLISH with RETAIN that would add a retained topic beyond it is refused for good"
                            + " (MQTT 5 PUBACK 0x80 with a reason string; MQTT 3.1.1 has no error PUBACK, so its connection"
                            + " is closed), event retained_full; replacing or deleting a retained message is always"
                            + " allowed. One written by another node beyond it is not held here, event retained_full (the delivery"
                            + " log counts it too, retained_refused in sluice status, and stops holding a retained"
                            + " message replaced by one that does not fit)."),
            number("delivery.max_pending_bytes", LONG, 32 * MIB, 1024 * 1024, 64L * 1024 * MIB,
                    "Bytes of delivery and retained writes waiting for Kafka's acknowledgement (also the delivery"
                            + " producer's buffer.memory). Beyond it a publish that needs such a write gets no PUBACK"
                            + " (retryable, as when Kafka is unreachable) instead of Sluice holding more."),

            bool("downlink.enabled", true,
                    "Read downlink.topic and publish each record to the matching MQTT subscribers, as if a client"
                            + " had published it on this node (docs/DELIVERY.md \"Downlink\"; the record format in"
                            + " docs/RECORDS.md \"Downlink records\"). Needs delivery.enabled: when delivery is off"
                            + " the downlink is off too, and setting this key to true is a config error."),
            string("downlink.topic", "sluice.downlink",
                    "Topic backends write messages for MQTT subscribers to: value = payload, headers sluice.topic"
                            + " (required), sluice.qos, sluice.retain and the MQTT 5 properties. Created at start-up"
                            + " like the delivery topic when kafka.create_topics is on."),
            string("downlink.group", "sluice.downlink",
                    "Kafka consumer group of the downlink: nodes with the same group share the partitions of"
                            + " downlink.topic, each record is published by one of them. A group that never committed"
                            + " starts at the oldest record the topic holds, so records written before the first start"
                            + " are not lost."),
            number("downlink.partitions", INT, 12, 1, 100_000,
                    "Partitions of downlink.topic when Sluice creates it. Records of one partition are published in"
                            + " offset order: a backend keying its records by device gets per-device order."),
            number("downlink.max_pending_records", INT, 10_000, 1, 10_000_000,
                    "Downlink records read and not yet durable (their delivery-log and retained writes not yet"
                            + " acknowledged by Kafka). At the bound the consumer pauses its partitions until the"
                            + " count drops (paused in sluice status), so memory stays bounded while Kafka is slow."),
            number("downlink.max_pending_bytes", LONG, 32 * MIB, 1024, 64L * 1024 * MIB,
                    "Bytes (keys, values and headers) of the downlink records read and not yet durable, as"
                            + " downlink.max_pending_records counts them. A record that would pass it is read again"
                            + " once it fits, and the partitions pause while it is reached (paused_by_bytes in sluice"
                            + " status); a record larger than it is taken alone, when nothing else is pending"
                            + " (oversized)."),
            number("downlink.commit_interval_ms", INT, 1_000, 10, 600_000,
                    "How often the downlink commits its offsets at most (and at shutdown and when partitions move"
                            + " to another node). Only offsets of records made durable (or counted undecodable or"
                            + " refused) are committed: after a crash the records after the last commit are read and"
                            + " published again (at least once), none is lost."),

            string("downlink.receipts_topic", "",
                    "Topic of downlink receipts: one record per copy of a downlink message and session when its fate"
                            + " is decided (acked, sent, expired, queue_full, or dropped with the counted reason),"
                            + " keyed by the client id, a JSON value (docs/RECORDS.md \"Receipt records\"). Empty:"
                            + " no receipts. A copy's delivery position is finished only once its receipt is durable,"
                            + " so a crash replays the message and the receipt comes then (at least once; duplicates"
                            + " possible). Set it on every node that delivers to subscribers (receipts are written"
                            + " by the node the device is connected to, whichever node read the downlink record)."
                            + " Created at start-up like the other topics when kafka.create_topics is on."),
            number("downlink.receipts_partitions", INT, 12, 1, 100_000,
                    "Partitions of downlink.receipts_topic when Sluice creates it. Receipts of one client id go to"
                            + " one partition, in the order written (one written again after a failed send may come"
                            + " after later ones)."),
            number("downlink.receipts_max_pending_bytes", LONG, 8 * MIB, 64 * 1024, 64L * 1024 * MIB,
                    "Bytes of receipts waiting for Kafka's acknowledgement (each its JSON value, key and about"
                            + " 256 bytes); also the receipts producer's buffer.memory. A receipt beyond it is not"
                            + " written now and its copy's delivery position stays unfinished (receipts held in"
                            + " sluice status): the message is delivered again after the next start and the receipt"
                            + " written then. Nothing is dropped; the delivery position stops advancing."),

            bool("fanout.enabled", false,
                    "Run the fan-out (readings topic to an InfluxDB-compatible TSDB) inside `sluice run`. `sluice"
                            + " fanout` runs it alone, whatever this says, so it can scale apart from ingest."),
            number("fanout.workers", INT, 2, 1, 256,
                    "Fan-out members in this process (one consumer and writer thread each, same group); each"
                            + " partition is written in log order by one of them. More than the partition count idle."),
            string("fanout.group_id", "sluice-fanout",
                    "Kafka consumer group of the fan-out; every fan-out process with this id shares the partitions."),
            string("fanout.dead_letter_topic", "sluice.deadletter",
                    "Topic for readings the TSDB can never take (malformed, rejected, unmatched), with the reason"
                            + " in headers. Created at start-up like the other topics when kafka.create_topics is on."),
            choice("fanout.unmatched", "dead_letter", List.of("dead_letter", "skip"),
                    "A reading no rule matches: sent to the dead-letter topic, or counted and skipped."),
            string("fanout.influx_url", "http://127.0.0.1:8086",
                    "Base URL of the TSDB's HTTP API: InfluxDB 1.x (with influx_api v1), or InfluxDB 2.x/3.x, QuestDB"
                            + " or anything else speaking the v2 write API (influx_api v2)."),
            choice("fanout.influx_api", "v2", List.of("v2", "v1"),
                    "Write API: v2 (/api/v2/write with influx_org, influx_bucket, influx_token_file) or v1"
                            + " (/write of InfluxDB 1.x, which has no v2 API before 1.8, with influx_database,"
                            + " influx_retention_policy, influx_username, influx_password_file)."),
            string("fanout.influx_org", "sluice", "InfluxDB organisation (v2; servers without organisations ignore it)."),
            string("fanout.influx_bucket", "sensors", "Bucket (database) the points are written to (v2)."),
            string("fanout.influx_token_file", "",
                    "File holding the InfluxDB API token (v2; first line); empty means no token is sent."),
            string("fanout.influx_database", "sensors", "Database the points are written to (v1); it must exist."),
            string("fanout.influx_retention_policy", "",
                    "Retention policy the points are written to (v1); empty means the database's default."),
            string("fanout.influx_username", "",
                    "User the fan-out writes as (v1, Basic authentication); empty means no credentials are sent."),
            string("fanout.influx_password_file", "",
                    "File holding influx_username's password (v1; first line), never the password itself; required"
                            + " with a username."),
            number("fanout.batch_max_points", INT, 5_000, 1, 1_000_000,
                    "A batch is written when it holds this many points ..."),
            number("fanout.batch_max_bytes", LONG, MIB, 1024, 256 * MIB,
                    "... or this many bytes of line protocol ..."),
            number("fanout.linger_ms", INT, 200, 0, 60_000,
                    "... or when its first point has waited this long, whichever comes first."),
            number("fanout.write_timeout_ms", INT, 10_000, 100, 600_000,
                    "Timeout of one write request; a timed-out write is retried, never dropped."),
            number("fanout.retry_initial_ms", INT, 100, 1, 600_000,
                    "First pause after the TSDB was unavailable (429, 5xx, timeout, refused); doubles with jitter"
                            + " on each failure. Partitions are paused meanwhile, so memory stays bounded."),
            number("fanout.retry_max_ms", INT, 30_000, 1, 3_600_000,
                    "Longest pause between retries (a Retry-After from the TSDB may ask for more)."),
            rules("fanout.rules", "[{topic: \"#\", measurement: mqtt, format: json}]",
                    "How readings become points, first match wins: `topic` is an MQTT filter whose named segments"
                            + " become the measurement ({measurement}) and tags (any other name), e.g."
                            + " sensors/{device}/{measurement}; `format` json, line_protocol or number;"
                            + " `measurement` when the filter names none; `field` for numbers (default value);"
                            + " `timestamp_field` (JSON, else the receive time) in `precision` ns, us, ms or s;"
                            + " `separator` _ or . for nested JSON; constant `tags`. See docs/FANOUT.md."),

            string("admin.host", "127.0.0.1",
                    "Address of the admin endpoint (status, sessions, drain, /metrics, /health, /ready). Keep it on"
                            + " loopback: admin routes are protected only by the token."),
            number("admin.port", INT, 9180, 0, 65535, "Port of the admin endpoint (0 picks a free port)."),
            string("admin.token_file", "/var/lib/sluice/admin.token",
                    "File holding the admin bearer token; created with a random token (mode 0640) if absent."
                            + " The sluice command reads it, so only root and the sluice group can administer."),
            number("admin.request_timeout_ms", INT, 5_000, 100, 600_000,
                    "A request (head and body) must arrive within this time of the connection, and its answer be"
                            + " taken within as long again; otherwise the connection is closed (request_timeout,"
                            + " response_timeout)."),
            number("admin.max_request_bytes", INT, 16_384, 1_024, 1 << 20,
                    "Largest request (head and body) the admin endpoint reads; larger ones get 431 or 413"
                            + " (request_too_large). Each open connection holds at most this much."),
            number("admin.max_connections", INT, 32, 2, 10_000,
                    "Admin connections served at once, each on a thread of its own, so stalled ones cannot hold up"
                            + " /health, /ready or /metrics; more are closed at once (too_many_connections)."),

            number("shutdown.drain_timeout_ms", INT, 30_000, 0, 3_600_000,
                    "On SIGTERM, how long Sluice waits for outstanding Kafka acknowledgements before exiting;"
                            + " sluice drain waits as long for them, then ends the connections."),
            number("shutdown.drain_disconnect_rate_per_s", INT, 1_000, 0, 10_000_000,
                    "How many connections per second sluice drain ends once in-flight messages are done (MQTT"
                            + " 5: DISCONNECT 0x9C with a server reference, or 0x8B; MQTT 3.1.1: closed), so a large"
                            + " node does not send all its clients to the other nodes at once. 0 ends them all at"
                            + " once. A stop (SIGTERM) ends every connection at once."),

            choice("log.level", "info", List.of("error", "warn", "info", "debug", "trace"), "Log level."),
            choice("log.format", "text", List.of("text", "json"), "Log line format on stdout."));

    private static final Map<String, ConfigKey> BY_PATH = new LinkedHashMap<>();

    static {
        for (ConfigKey k : KEYS) {
            BY_PATH.put(k.path(), k);
        }
    }

    private ConfigSchema() {
    }

    public static ConfigKey key(String path) {
        return BY_PATH.get(path);
    }

    /** True when {@code path} is a section (the prefix of at least one key). */
    public static boolean isSection(String path) {
        String prefix = path + ".";
        return KEYS.stream().anyMatch(k -> k.path().startsWith(prefix));
    }
}
