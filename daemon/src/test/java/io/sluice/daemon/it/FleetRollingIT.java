package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.SluiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's rolling restart under load (issue 19's acceptance): three nodes on a three-broker Kafka (replication 3,
 * min ISR 2), each naming the other two as its server references. While MQTT 5 sensors publish QoS 1 readings and a
 * backend writes downlink records to persistent MQTT 5 devices, each node in turn is drained ({@code POST /drain},
 * what {@code sluice drain} calls), stopped and started again. Clients follow the DISCONNECT's server reference
 * (or the next node when a connection simply ends) and resume their sessions there. Then the uplink loss audit
 * (every PUBACKed reading in the readings topic) and the downlink receipts (an {@code acked} receipt for every
 * downlink record and device) show nothing lost; a device offline through the whole roll (so across a restart of
 * every node) gets the downlink written for it once it reconnects, and its receipt is recorded.
 */
class FleetRollingIT {
    private static final Duration AWAIT = Duration.ofSeconds(90);
    private static final Pattern RECEIPT = Pattern.compile(
            "\\{\"client_id\":\"([^\"]+)\",\"outcome\":\"([a-z_]+)\".*\"origin\":\\{\"topic\":\"[^\"]+\","
                    + "\"partition\":(\\d+),\"offset\":(\\d+)");
    private static final TestKafka kafka = TestKafka.ownCluster(3);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private HttpResponse<String> admin(SluiceDaemon d, String method, String path) throws Exception {
        String token = Files.readString(Path.of(d.config().admin().tokenFile())).trim();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.adminPort() + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60));
        b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A delivered downlink record: the device it was for, and where it is in the downlink topic. */
    private record Sent(String device, String payload, int partition, long offset) {
    }

    @Test
    void aRollingDrainAndRestartOfAllThreeNodes_underLoad_losesNoReading_andEveryDownlinkIsDeliveredAndReceipted()
            throws Exception {
        String suffix = "roll-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> shared = new HashMap<>(TestKafka.fleetTopics(suffix));
        shared.put("kafka.topic_replication_factor", "3");
        shared.put("kafka.topic_min_insync_replicas", "2");
        shared.put("delivery.partitions", "8");
        shared.put("downlink.receipts_topic", "receipts-" + suffix);
        shared.put("shutdown.drain_disconnect_rate_per_s", "50");
        int[] ports = {DaemonProcess.freePort(), DaemonProcess.freePort(), DaemonProcess.freePort()};
        SluiceConfig[] configs = new SluiceConfig[3];
        for (int i = 0; i < 3; i++) {
            Map<String, String> extra = new HashMap<>(shared);
            extra.put("node_id", "roll-" + (i + 1));
            extra.put("mqtt.port", Integer.toString(ports[i]));
            List<String> others = new ArrayList<>();
            for (int j = 1; j <= 2; j++) {
                others.add("127.0.0.1:" + ports[(i + j) % 3]);
            }
            extra.put("mqtt.server_references", String.join(",", others));
            configs[i] = kafka.daemonConfig("roll", extra);
        }
        SluiceDaemon[] nodes = new SluiceDaemon[3];
        List<Mqtt5AsyncClient> devices = new ArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes[i] = SluiceDaemon.start(configs[i]);
            }

            // persistent MQTT 5 devices, each on one node, following references and moving on when a node goes
            Map<String, Set<String>> received = new ConcurrentHashMap<>();
            AtomicInteger toldUseAnother = new AtomicInteger();
            List<String> ids = new ArrayList<>();
            for (int d = 0; d < 6; d++) {
                String id = "roll-dev-" + d;
                ids.add(id);
                received.put(id, ConcurrentHashMap.newKeySet());
                devices.add(device(id, ports[d % 3], ports, received.get(id), toldUseAnother));
            }
            // one device goes offline before the roll: its downlink waits for it across a restart of every node
            String sleeper = "roll-sleeper";
            received.put(sleeper, ConcurrentHashMap.newKeySet());
            Mqtt5BlockingClient sleeping = Clients.v5(sleeper, ports[0]);
            sleeping.connectWith().cleanStart(false).sessionExpiryInterval(3600).send();
            sleeping.subscribeWith().topicFilter("cmd/" + sleeper).qos(MqttQos.AT_LEAST_ONCE).send();
            sleeping.disconnect();
            for (SluiceDaemon n : nodes) { // every node routes to every device before the backend writes
                for (String id : ids) {
                    await().atMost(AWAIT).until(() -> n.mqtt().sessionInfo(id) != null
                            && !n.mqtt().sessionInfo(id).subscriptions().isEmpty());
                }
                await().atMost(AWAIT).until(() -> n.mqtt().sessionInfo(sleeper) != null);
            }

            String downlinkTopic = configs[0].downlink().topic();
            List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());
            try (KafkaProducer<String, byte[]> backend = producer()) {
                sent.add(downlink(backend, downlinkTopic, sleeper, "while-asleep"));

                // the load: three sensors publishing QoS 1 readings, the backend writing downlinks
                Set<String> acked = ConcurrentHashMap.newKeySet();
                for (int s = 0; s < 3; s++) {
                    int sensor = s;
                    load.add(Thread.ofPlatform().name("roll-sensor-" + s).start(
                            () -> sensor(sensor, ports, running, acked)));
                }
                load.add(Thread.ofPlatform().name("roll-backend").start(() -> {
                    int n = 0;
                    while (running.get()) {
                        String id = ids.get(n % ids.size());
                        try {
                            sent.add(downlink(backend, downlinkTopic, id, "dl-" + n));
                            Thread.sleep(20); // pacing of the backend's load, not a synchronisation
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        n++;
                    }
                }));
                await().atMost(AWAIT).until(() -> acked.size() >= 100 && sent.size() >= 50);

                // the roll: drain, stop, start again, node by node
                for (int i = 0; i < 3; i++) {
                    int before = acked.size();
                    HttpResponse<String> drain = admin(nodes[i], "POST", "/drain?format=text");
                    assertEquals(200, drain.statusCode(), drain.body());
                    assertTrue(drain.body().startsWith("Drain complete"), drain.body());
                    nodes[i].close();
                    nodes[i] = SluiceDaemon.start(configs[i]);
                    // the load went on while the node was away
                    await().atMost(AWAIT).until(() -> acked.size() >= before + 100);
                }
                running.set(false);
                for (Thread t : load) {
                    t.join(60_000);
                }

                // the sleeper wakes up on node 2 after every node has restarted
                Mqtt5BlockingClient awake = Clients.v5(sleeper, ports[1]);
                try (var publishes = awake.publishes(MqttGlobalPublishFilter.ALL)) {
                    assertTrue(awake.connectWith().cleanStart(false).sessionExpiryInterval(3600).send()
                            .isSessionPresent(), "the sleeper's session outlived the restart of every node");
                    var m = publishes.receive(60, TimeUnit.SECONDS);
                    assertTrue(m.isPresent(), "the downlink written while it slept");
                    received.get(sleeper).add(text(m.get().getPayloadAsBytes()));
                }
                awake.disconnect();

                // uplink: every PUBACKed reading is in the readings topic
                Set<String> inKafka = new HashSet<>();
                for (ConsumerRecord<String, byte[]> r : kafka.readAll(configs[0].kafka().readingsTopic())) {
                    inKafka.add(text(r.value()));
                }
                Set<String> missing = new HashSet<>(acked);
                missing.removeAll(inKafka);
                assertEquals(Set.of(), missing, "PUBACKed readings missing from Kafka (of " + acked.size() + ")");

                // downlink: every record reached its device, and each has an acked receipt for it
                List<Sent> all = List.copyOf(sent);
                await().atMost(AWAIT).untilAsserted(() -> {
                    List<Sent> notReceived = all.stream()
                            .filter(s -> !received.get(s.device()).contains(s.payload())).toList();
                    assertEquals(List.of(), notReceived, "downlink records not delivered (of " + all.size() + ")");
                });
                String receiptsTopic = "receipts-" + suffix;
                await().atMost(AWAIT).untilAsserted(() -> {
                    Set<String> ackedReceipts = new HashSet<>();
                    for (ConsumerRecord<String, byte[]> r : kafka.readAll(receiptsTopic)) {
                        Matcher m = RECEIPT.matcher(text(r.value()));
                        if (m.find() && m.group(2).equals("acked")) {
                            ackedReceipts.add(m.group(1) + "@" + m.group(3) + "/" + m.group(4));
                        }
                    }
                    List<Sent> noReceipt = all.stream().filter(s -> !ackedReceipts.contains(
                            s.device() + "@" + s.partition() + "/" + s.offset())).toList();
                    assertEquals(List.of(), noReceipt, "downlink records without an acked receipt (of "
                            + all.size() + ")");
                });
                assertTrue(toldUseAnother.get() > 0, "some device was sent on by a server reference");
                System.out.printf("rolling restart: %d readings PUBACKed, %d downlink records, all delivered and"
                        + " receipted; %d disconnects named another server%n", acked.size(), all.size(),
                        toldUseAnother.get());
            }
        } finally {
            running.set(false);
            for (Mqtt5AsyncClient c : devices) {
                try {
                    c.disconnect().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // already gone
                }
            }
            for (SluiceDaemon n : nodes) {
                if (n != null) {
                    n.close();
                }
            }
        }
    }

    /**
     * A persistent device that resumes its session wherever it is sent: to the server reference of a DISCONNECT
     * 0x9C, else to the next node. Every payload it receives is recorded (and acknowledged).
     */
    private static Mqtt5AsyncClient device(String id, int port, int[] ports, Set<String> received,
                                           AtomicInteger toldUseAnother) throws Exception {
        Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(port)
                .automaticReconnect().initialDelay(50, TimeUnit.MILLISECONDS).maxDelay(500, TimeUnit.MILLISECONDS)
                .applyAutomaticReconnect()
                .addDisconnectedListener(ctx -> {
                    int next = nextPort(ports, ctx.getClientConfig().getServerPort());
                    if (ctx.getCause() instanceof Mqtt5DisconnectException e
                            && e.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER
                            && e.getMqttMessage().getServerReference().isPresent()) {
                        toldUseAnother.incrementAndGet();
                        String ref = e.getMqttMessage().getServerReference().get().toString();
                        next = Integer.parseInt(ref.substring(ref.lastIndexOf(':') + 1));
                    }
                    ctx.getReconnector().transportConfig().serverHost("127.0.0.1").serverPort(next)
                            .applyTransportConfig();
                })
                .buildAsync();
        c.publishes(MqttGlobalPublishFilter.ALL, m -> received.add(text(m.getPayloadAsBytes())));
        c.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().get(30, TimeUnit.SECONDS);
        c.subscribeWith().topicFilter("cmd/" + id).qos(MqttQos.AT_LEAST_ONCE).send().get(30, TimeUnit.SECONDS);
        return c;
    }

    private static int nextPort(int[] ports, int current) {
        for (int i = 0; i < ports.length; i++) {
            if (ports[i] == current) {
                return ports[(i + 1) % ports.length];
            }
        }
        return ports[0];
    }

    /**
     * A sensor: QoS 1 readings, one at a time, each retried on another node until PUBACKed (at least once), while
     * {@code running}. Each PUBACKed payload goes into {@code acked}.
     */
    private static void sensor(int sensor, int[] ports, AtomicBoolean running, Set<String> acked) {
        int port = ports[sensor % ports.length];
        Mqtt5BlockingClient c = null;
        int n = 0;
        while (running.get()) {
            String payload = "up-" + sensor + "-" + n;
            try {
                if (c == null) {
                    c = MqttClient.builder().useMqttVersion5().identifier("roll-sensor-" + sensor)
                            .serverHost("127.0.0.1").serverPort(port).buildBlocking();
                    c.connectWith().cleanStart(true).send();
                }
                c.publishWith().topic("up/" + sensor).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
                acked.add(payload);
                n++;
                Thread.sleep(10); // pacing of the load, not a synchronisation
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // the node drained or stopped: the same reading again, through the next node
                if (c != null) {
                    try {
                        c.disconnect();
                    } catch (RuntimeException ignored) {
                        // already gone
                    }
                }
                c = null;
                port = nextPort(ports, port);
            }
        }
        if (c != null) {
            try {
                c.disconnect();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static Sent downlink(KafkaProducer<String, byte[]> backend, String topic, String device, String payload)
            throws Exception {
        RecordHeaders h = new RecordHeaders();
        h.add("sluice.topic", ("cmd/" + device).getBytes(StandardCharsets.UTF_8));
        h.add("sluice.qos", "1".getBytes(StandardCharsets.UTF_8));
        RecordMetadata md = backend.send(new ProducerRecord<>(topic, null, device,
                payload.getBytes(StandardCharsets.UTF_8), h)).get(30, TimeUnit.SECONDS);
        return new Sent(device, payload, md.partition(), md.offset());
    }
}
