package io.sluice.daemon.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery across nodes (docs/DELIVERY.md, "Delivery across nodes"): three daemons (child JVMs, node ids fleet-1..3)
 * on one Kafka, sharing the sessions, delivery and retained topics; HiveMQ clients connect to different nodes. A
 * message published on one node reaches subscribers of the others only through the delivery records written for
 * their nodes. The nodes start once for the class; each test has topics of its own.
 */
class FleetDeliveryIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final TestKafka kafka = TestKafka.shared();
    @TempDir
    static Path dir;
    private static final DaemonProcess[] nodes = new DaemonProcess[3];
    private static String downlinkTopic;
    /** Every node writes downlink receipts here (docs/DELIVERY.md, "Downlink receipts"). */
    private static String receiptsTopic;

    @BeforeAll
    static void startNodes() throws Exception {
        int[] ports = {DaemonProcess.freePort(), DaemonProcess.freePort(), DaemonProcess.freePort()};
        String suffix = Long.toHexString(System.nanoTime());
        String base = kafka.daemonYaml("fleet", ports[0], "delivery:\n  topic: delivery-fleet-" + suffix
                + "\n  retained_topic: retained-fleet-" + suffix + "\n  partitions: 8");
        Matcher downlink = Pattern.compile("downlink:\n  topic: (\\S+)").matcher(base);
        assertTrue(downlink.find(), base);
        downlinkTopic = downlink.group(1);
        receiptsTopic = "receipts-fleet-" + suffix;
        base = base.replaceFirst("downlink:\n", "downlink:\n  receipts_topic: " + receiptsTopic + "\n");
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String yaml = base.replace("node_id: it-node", "node_id: fleet-" + (i + 1))
                    .replace("  port: " + ports[0] + "\n", "  port: " + ports[i] + "\n")
                    .replaceFirst("token_file: \\S+", "token_file: " + TestKafka.tokenFile());
            Path nodeDir = Files.createDirectories(dir.resolve("node-" + (i + 1)));
            nodes[i] = new DaemonProcess(nodeDir, yaml, ports[i], List.of("-Xmx192m"));
            DaemonProcess n = nodes[i];
            starting.add(CompletableFuture.runAsync(n::start));
        }
        CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopNodes() {
        for (DaemonProcess n : nodes) {
            if (n != null) {
                n.close();
            }
        }
    }

    private static int port(int node) {
        return nodes[node - 1].port();
    }

    private static String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < nodes.length; i++) {
            String log = nodes[i].log();
            b.append("\n--- node fleet-").append(i + 1).append(" (last 3000 chars)\n")
                    .append(log.substring(Math.max(0, log.length() - 3000)));
        }
        return b.toString();
    }

    /** What a subscriber receives: the next payload within {@code millis}, or empty. */
    @FunctionalInterface
    interface Inbox {
        Optional<String> next(long millis) throws InterruptedException;
    }

    private static Inbox inbox(Mqtt5BlockingClient.Mqtt5Publishes p) {
        return ms -> p.receive(ms, TimeUnit.MILLISECONDS).map(m -> text(m.getPayloadAsBytes()));
    }

    private static Inbox inbox(Mqtt3BlockingClient.Mqtt3Publishes p) {
        return ms -> p.receive(ms, TimeUnit.MILLISECONDS).map(m -> text(m.getPayloadAsBytes()));
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Publishes probes through {@code publish} until every inbox has received one: the publishing node then knows
     * the subscribers' sessions (it learns them from the sessions topic, shortly after their SUBSCRIBE). Probes are
     * published before the test's messages, by the same publisher to the same topic, so none comes after them.
     */
    private static void untilRouted(Consumer<String> publish, Inbox... inboxes) throws InterruptedException {
        boolean[] got = new boolean[inboxes.length];
        for (int attempt = 0; attempt < 120; attempt++) {
            publish.accept("probe-" + attempt);
            boolean all = true;
            for (int i = 0; i < inboxes.length; i++) {
                while (!got[i]) {
                    Optional<String> m = inboxes[i].next(got[i] ? 0 : 500);
                    if (m.isEmpty()) {
                        break;
                    }
                    got[i] = m.get().startsWith("probe-");
                }
                all &= got[i];
            }
            if (all) {
                return;
            }
        }
        throw new AssertionError("the publishing node never routed to every subscriber" + logs());
    }

    /** The next {@code n} payloads that are not probes, waiting up to {@link #AWAIT} for each. */
    private static List<String> receive(Inbox inbox, int n) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n + 1_000 && out.size() < n; i++) {
            Optional<String> m = inbox.next(AWAIT.toMillis());
            if (m.isEmpty()) {
                break;
            }
            if (!m.get().startsWith("probe-")) {
                out.add(m.get());
            }
        }
        return out;
    }

    /** Nothing more than probes arrives within {@code millis}: no duplicate trails the expected messages. */
    private static List<String> extra(Inbox inbox, long millis) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            Optional<String> m = inbox.next(millis);
            if (m.isEmpty()) {
                return out;
            }
            if (!m.get().startsWith("probe-")) {
                out.add(m.get());
            }
        }
        return out;
    }

    private static List<String> numbered(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
    }

    private static Consumer<String> v5Publisher(Mqtt5BlockingClient pub, String topic) {
        return payload -> pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    @Test
    void anMqtt5SubscriberOnNode1_getsEveryQos1MessagePublishedOnNode2_once_inOrder() throws Exception {
        Mqtt5BlockingClient sub = Clients.v5("fleet-a5-sub", port(1)); // clean start: a presence record, no session
        sub.connect();
        var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.subscribeWith().topicFilter("fleet/a5/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = Clients.v5("fleet-a5-pub", port(2));
        pub.connect();
        Consumer<String> publish = v5Publisher(pub, "fleet/a5/t");
        untilRouted(publish, inbox(publishes));

        List<String> sent = numbered("a5-", 200);
        sent.forEach(publish);
        assertEquals(sent, receive(inbox(publishes), 200), logs());
        assertEquals(List.of(), extra(inbox(publishes), 500), "each message once");
        pub.disconnect();
        sub.disconnect();
    }

    @Test
    void anMqtt311PersistentSubscriberOnNode1_getsEveryQos1MessagePublishedOnNode2_once_inOrder() throws Exception {
        Mqtt3BlockingClient sub = Clients.v3("fleet-a3-sub", port(1));
        var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter("fleet/a3/+").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3BlockingClient pub = Clients.v3("fleet-a3-pub", port(2));
        pub.connect();
        Consumer<String> publish = payload -> pub.publishWith().topic("fleet/a3/t").qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        untilRouted(publish, inbox(publishes));

        List<String> sent = numbered("a3-", 200);
        sent.forEach(publish);
        assertEquals(sent, receive(inbox(publishes), 200), logs());
        assertEquals(List.of(), extra(inbox(publishes), 500), "each message once");
        pub.disconnect();
        sub.disconnect();
    }

    @Test
    void subscribersOnNode1AndNode3_eachGetEveryMessagePublishedOnNode2_once() throws Exception {
        Mqtt5BlockingClient one = Clients.v5("fleet-b-sub1", port(1));
        one.connect();
        var onePublishes = one.publishes(MqttGlobalPublishFilter.ALL);
        one.subscribeWith().topicFilter("fleet/b").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient three = Clients.v5("fleet-b-sub3", port(3));
        three.connect();
        var threePublishes = three.publishes(MqttGlobalPublishFilter.ALL);
        three.subscribeWith().topicFilter("fleet/+").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = Clients.v5("fleet-b-pub", port(2));
        pub.connect();
        Consumer<String> publish = v5Publisher(pub, "fleet/b");
        untilRouted(publish, inbox(onePublishes), inbox(threePublishes));

        List<String> sent = numbered("b-", 100);
        sent.forEach(publish);
        assertEquals(sent, receive(inbox(onePublishes), 100), logs());
        assertEquals(sent, receive(inbox(threePublishes), 100), logs());
        assertEquals(List.of(), extra(inbox(onePublishes), 500));
        assertEquals(List.of(), extra(inbox(threePublishes), 200));
        pub.disconnect();
        one.disconnect();
        three.disconnect();
    }

    @Test
    void aSharedGroupWithMembersOnNode1AndNode3_givesEachMessageToExactlyOneOfThem_andBothGetSome() throws Exception {
        Mqtt5BlockingClient one = Clients.v5("fleet-c-member1", port(1));
        one.connect();
        var onePublishes = one.publishes(MqttGlobalPublishFilter.ALL);
        one.subscribeWith().topicFilter("$share/workers/fleet/c").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient three = Clients.v5("fleet-c-member3", port(3));
        three.connect();
        var threePublishes = three.publishes(MqttGlobalPublishFilter.ALL);
        three.subscribeWith().topicFilter("$share/workers/fleet/c").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt5BlockingClient pub = Clients.v5("fleet-c-pub", port(2));
        pub.connect();
        Consumer<String> publish = v5Publisher(pub, "fleet/c");
        untilRouted(publish, inbox(onePublishes), inbox(threePublishes)); // both members known on node 2

        List<String> sent = numbered("c-", 40);
        sent.forEach(publish);
        List<String> gotOne = new ArrayList<>();
        List<String> gotThree = new ArrayList<>();
        Set<String> distinct = new HashSet<>();
        for (int i = 0; i < 200 && distinct.size() < sent.size(); i++) {
            gotOne.addAll(extra(inbox(onePublishes), 100));
            gotThree.addAll(extra(inbox(threePublishes), 100));
            distinct.addAll(gotOne);
            distinct.addAll(gotThree);
        }
        assertEquals(Set.copyOf(sent), distinct, "every message reached a member" + logs());
        gotOne.addAll(extra(inbox(onePublishes), 300));
        gotThree.addAll(extra(inbox(threePublishes), 300));
        assertEquals(sent.size(), gotOne.size() + gotThree.size(), "exactly one member each: " + gotOne + " "
                + gotThree);
        assertFalse(gotOne.isEmpty(), "the member on node 1 got some");
        assertFalse(gotThree.isEmpty(), "the member on node 3 got some");
        pub.disconnect();
        one.disconnect();
        three.disconnect();
    }

    @Test
    void aDownlinkRecord_reachesSubscribersOnEveryNode_whicheverNodeReadsIt() throws Exception {
        Mqtt5BlockingClient one = Clients.v5("fleet-e-sub1", port(1));
        one.connect();
        var onePublishes = one.publishes(MqttGlobalPublishFilter.ALL);
        one.subscribeWith().topicFilter("fleet/e/+").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3BlockingClient three = Clients.v3("fleet-e-sub3", port(3));
        var threePublishes = three.publishes(MqttGlobalPublishFilter.ALL);
        three.connectWith().cleanSession(false).send();
        three.subscribeWith().topicFilter("fleet/e/#").qos(MqttQos.AT_LEAST_ONCE).send();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        java.util.Set<String> before = new java.util.HashSet<>();
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            Consumer<String> write = payload -> {
                var headers = new RecordHeaders();
                headers.add("sluice.topic", "fleet/e/valve".getBytes(StandardCharsets.UTF_8));
                try {
                    producer.send(new ProducerRecord<>(downlinkTopic, null,
                            "dev-e", payload.getBytes(StandardCharsets.UTF_8), headers)).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            untilRouted(write, inbox(onePublishes), inbox(threePublishes));
            before.addAll(downlinkRecords());
            List<String> sent = numbered("e-", 20);
            sent.forEach(write);
            assertEquals(sent, receive(inbox(onePublishes), 20), logs());
            assertEquals(sent, receive(inbox(threePublishes), 20), logs());
        }
        // each device's receipts come from the node it is connected to, whichever node read the downlink record:
        // one acked receipt per device and record (HiveMQ sent the PUBACKs)
        java.util.Set<String> offsets = downlinkRecords();
        offsets.removeAll(before); // the 20 (those untilRouted wrote may have reached one of the two only)
        assertEquals(20, offsets.size());
        for (String[] device : new String[][] {{"fleet-e-sub1", "fleet-1"}, {"fleet-e-sub3", "fleet-3"}}) {
            java.util.Set<String> acked = await().atMost(AWAIT).until(() -> receiptsOf(device[0], device[1]),
                    r -> r.containsAll(offsets));
            acked.removeAll(before); // those untilRouted wrote: acked too where they reached this device
            assertEquals(offsets, acked, device[0]);
        }
        one.disconnect();
        three.disconnect();
    }

    /** The records of the downlink topic now, each as partition@offset. */
    private static java.util.Set<String> downlinkRecords() {
        return kafka.readAll(downlinkTopic).stream().map(r -> r.partition() + "@" + r.offset())
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }

    /** The downlink records (partition@offset) {@code clientId} has acked receipts of, all written by {@code node}. */
    private static java.util.Set<String> receiptsOf(String clientId, String node) {
        java.util.Set<String> acked = new java.util.HashSet<>();
        for (var r : kafka.readAll(receiptsTopic)) {
            if (!clientId.equals(r.key())) {
                continue;
            }
            String json = text(r.value());
            assertTrue(json.contains("\"node\":\"" + node + "\"")
                    && json.contains("\"outcome\":\"acked\""), json);
            Matcher m = Pattern.compile("\"partition\":(\\d+),\"offset\":(\\d+)").matcher(json);
            assertTrue(m.find(), json);
            acked.add(m.group(1) + "@" + m.group(2));
        }
        return acked;
    }

    @Test
    void aPersistentSubscriberOfNode1_offline_getsWhatNode2PublishedMeanwhile_onReconnectingToNode1() throws Exception {
        Mqtt3BlockingClient sub = Clients.v3("fleet-d-sub", port(1));
        var publishes = sub.publishes(MqttGlobalPublishFilter.ALL);
        sub.connectWith().cleanSession(false).send();
        sub.subscribeWith().topicFilter("fleet/d").qos(MqttQos.AT_LEAST_ONCE).send();
        Mqtt3BlockingClient pub = Clients.v3("fleet-d-pub", port(2));
        pub.connect();
        Consumer<String> publish = payload -> pub.publishWith().topic("fleet/d").qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
        untilRouted(publish, inbox(publishes));
        assertEquals(List.of(), extra(inbox(publishes), 300), "only probes so far");
        sub.disconnect();

        List<String> sent = numbered("d-", 50);
        sent.forEach(publish); // queued on node 1 while its client is away

        Mqtt3BlockingClient back = Clients.v3("fleet-d-sub", port(1));
        var again = back.publishes(MqttGlobalPublishFilter.ALL);
        assertTrue(back.connectWith().cleanSession(false).send().isSessionPresent(), logs());
        assertEquals(sent, receive(inbox(again), 50), logs());
        assertEquals(List.of(), extra(inbox(again), 500), "each message once");
        pub.disconnect();
        back.disconnect();
    }
}
