package io.sluice.sinks.delivery;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.delivery.Route;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope.UserProperty;
import io.sluice.sinks.delivery.internal.DeliveryReader;
import io.sluice.sinks.delivery.internal.Partitions;
import io.sluice.sinks.kafka.KafkaTopics;
import io.sluice.sinks.kafka.TestKafka;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The delivery log on a real broker (the module's shared one): what it writes, what each node reads back. */
class KafkaDeliveryLogIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 4;

    private String topic;
    private String retainedTopic;
    private final List<KafkaDeliveryLog> opened = new ArrayList<>();

    @BeforeEach
    void createTopics() {
        String id = UUID.randomUUID().toString();
        topic = "delivery-" + id;
        retainedTopic = "retained-" + id;
        try (var topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureDeliveryTopic(topic, PARTITIONS, 1, 1);
            topics.ensureRetainedTopic(retainedTopic, 2, 1, 1);
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(KafkaDeliveryLog::close);
    }

    private KafkaDeliveryLog open(String node, int partitions) {
        var log = new KafkaDeliveryLog(DeliveryLogConfig.defaults(TestKafka.bootstrap(), node)
                .withTopics(topic, retainedTopic, partitions).withCommitIntervalMs(100)
                .withTimeouts(30_000, 10_000, 10_000, 30_000));
        opened.add(log);
        return log;
    }

    private KafkaDeliveryLog started(String node, RecordingListener listener) {
        var log = open(node, PARTITIONS);
        log.start(listener);
        return log;
    }

    private static Message message(int i) {
        return new Message("plant/line-" + (i % 3) + "/cmd", ("payload-" + i).getBytes(UTF_8), i % 3, i % 2 == 0,
                "publisher-" + i, 1_700_000_000_000L + i, i % 5 == 0 ? 0 : 60 + i, i % 4 == 0 ? -1 : i % 2,
                i % 2 == 0 ? "application/json" : null, "replies/" + i, i % 2 == 0 ? new byte[] {(byte) i, 0} : null,
                List.of(new UserProperty("seq", Integer.toString(i)), new UserProperty("seq", "again")));
    }

    private static void awaitDelivered(CompletionStage<Delivery> stage) {
        CompletableFuture<Delivery> f = stage.toCompletableFuture();
        await().atMost(AWAIT).until(f::isDone);
        assertEquals(Delivery.DELIVERED, f.join());
    }

    private static void assertSameMessage(Message expected, Message actual) {
        assertEquals(expected.topic(), actual.topic());
        assertArrayEquals(expected.payload(), actual.payload());
        assertEquals(expected.qos(), actual.qos());
        assertEquals(expected.retain(), actual.retain());
        assertEquals(expected.publisherClientId(), actual.publisherClientId());
        assertEquals(expected.publishedAtMillis(), actual.publishedAtMillis());
        assertEquals(expected.expirySeconds(), actual.expirySeconds());
        assertEquals(expected.payloadFormat(), actual.payloadFormat());
        assertEquals(expected.contentType(), actual.contentType());
        assertEquals(expected.responseTopic(), actual.responseTopic());
        assertArrayEquals(expected.correlationData(), actual.correlationData());
        assertEquals(expected.userProperties(), actual.userProperties());
    }

    /** Two node ids that Kafka's key hash puts in one partition of {@link #PARTITIONS}. */
    private static String[] twoNodesSharingAPartition() {
        String a = "node-a";
        for (int i = 0; i < 1_000; i++) {
            String b = "node-b" + i;
            if (Partitions.of(b, PARTITIONS) == Partitions.of(a, PARTITIONS)) {
                return new String[] {a, b};
            }
        }
        throw new AssertionError("no node id shares a partition with node-a");
    }

    @Test
    void aFailureKafkaReportsFromPoll_isLoggedAndPolledAgain_andDeliveryGoesOn() throws Exception {
        var listener = new RecordingListener();
        DeliveryLogConfig config = DeliveryLogConfig.defaults(TestKafka.bootstrap(), "node-a")
                .withTopics(topic, retainedTopic, PARTITIONS).withCommitIntervalMs(100)
                .withTimeouts(30_000, 10_000, 10_000, 30_000);
        var real = new KafkaConsumer<String, byte[]>(KafkaDeliveryLog.consumerProperties(config));
        var failNextPoll = new AtomicBoolean();
        // the real consumer, except that one poll reports what Kafka reports for, e.g., a refused authorization
        @SuppressWarnings("unchecked")
        Consumer<String, byte[]> consumer = (Consumer<String, byte[]>) Proxy.newProxyInstance(
                Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("poll") && failNextPoll.compareAndSet(true, false)) {
                        throw new KafkaException("injected failure of one poll");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        var reader = new DeliveryReader(config, consumer);
        var writer = open("node-a", PARTITIONS); // appends only; its own reader is never started
        try {
            reader.start(listener);
            awaitDelivered(writer.append(message(1), List.of("node-a")));
            await().atMost(AWAIT).until(() -> listener.messages().size() == 1);

            failNextPoll.set(true);
            await().atMost(AWAIT).until(() -> !failNextPoll.get());
            awaitDelivered(writer.append(message(2), List.of("node-a")));

            await().atMost(AWAIT).until(() -> listener.messages().size() == 2);
            assertEquals("publisher-2", listener.messages().get(1).message().publisherClientId());
        } finally {
            reader.close(Duration.ofSeconds(10));
        }
    }

    @Test
    void appendsToThisNode_areReadBackInOrder_withEveryHeader_onTheReaderThread() {
        var listener = new RecordingListener();
        var log = started("node-a", listener);
        List<Message> sent = IntStream.range(0, 50).mapToObj(KafkaDeliveryLogIT::message).toList();

        List<CompletionStage<Delivery>> writes = sent.stream().map(m -> log.append(m, List.of("node-a"))).toList();
        writes.forEach(KafkaDeliveryLogIT::awaitDelivered);

        await().atMost(AWAIT).until(() -> listener.messages().size() == 50);
        List<RecordingListener.Delivered> got = listener.messages();
        for (int i = 0; i < 50; i++) {
            assertSameMessage(sent.get(i), got.get(i).message());
            if (i > 0) {
                assertTrue(got.get(i).position() > got.get(i - 1).position(), "positions ascend");
            }
        }
        assertTrue(listener.threads().stream().allMatch("sluice-delivery-reader"::equals), listener.threads()::toString);
        assertEquals(50, log.stats().messages());
    }

    @Test
    void aHandoverAndAForward_reachTheNewNodeInOrder_addressedToTheClient_withTheMarkerBetween() {
        var listener = new RecordingListener();
        var newNode = started("node-h-new", listener);
        var oldNode = started("node-h-old", new RecordingListener());
        awaitDelivered(oldNode.handOver("node-h-new", "dev-h", List.of(
                new io.sluice.delivery.HandedMessage(message(1), true),
                new io.sluice.delivery.HandedMessage(message(2), false))));
        awaitDelivered(oldNode.forward("node-h-new", "dev-h", message(3)));

        await().atMost(AWAIT).until(() -> listener.handovers().size() == 4);
        List<String> got = listener.handovers().stream().map(h -> h.substring(h.indexOf(' ') + 1)).toList();
        assertEquals(List.of("for dev-h payload-1 inflight", "for dev-h payload-2", "done dev-h",
                "for dev-h payload-3"), got);
        assertEquals(List.of(), listener.messages(), "none is matched against subscriptions");
    }

    @Test
    void recordsKeyedToAnotherNode_inTheSamePartition_areSkipped_andReachThatNodeOnly() {
        String[] nodes = twoNodesSharingAPartition();
        var listenerA = new RecordingListener();
        var listenerB = new RecordingListener();
        var a = started(nodes[0], listenerA);
        var b = started(nodes[1], listenerB);

        awaitDelivered(a.append(message(1), List.of(nodes[1])));
        awaitDelivered(a.append(message(2), List.of(nodes[0], nodes[1], nodes[1])));
        awaitDelivered(b.append(message(3), List.of(nodes[1])));
        awaitDelivered(b.append(message(4), List.of(nodes[0])));

        // A passes over b's copies of 1, 2 and 3; B over a's copies of 2 and 4
        await().atMost(AWAIT).until(() -> listenerB.messages().size() == 3 && a.stats().skipped() == 3
                && b.stats().skipped() == 2);
        assertEquals(List.of("payload-2", "payload-4"), payloads(listenerA));
        assertEquals(List.of("payload-1", "payload-2", "payload-3"), payloads(listenerB));
        assertEquals(a.stats().partition(), b.stats().partition());
    }

    @Test
    void eachNodesRecord_carriesTheSharedGroupsThatNodeServes_andARouteWithoutAListCarriesNone() {
        String[] nodes = twoNodesSharingAPartition();
        var listenerA = new RecordingListener();
        var listenerB = new RecordingListener();
        var a = started(nodes[0], listenerA);
        var b = started(nodes[1], listenerB);

        awaitDelivered(a.appendRoutes(message(1), List.of(new Route(nodes[0], Set.of("g/plant/+/cmd", "h/#")),
                new Route(nodes[1], Set.of()))));
        awaitDelivered(a.appendRoutes(message(2), List.of(Route.allGroups(nodes[1]))));

        await().atMost(AWAIT).until(() -> listenerA.messages().size() == 1 && listenerB.messages().size() == 2);
        assertEquals(Set.of("g/plant/+/cmd", "h/#"), listenerA.messages().get(0).message().sharedGroups());
        assertEquals(Set.of(), listenerB.messages().get(0).message().sharedGroups(), "serves none of its groups");
        assertNull(listenerB.messages().get(1).message().sharedGroups(), "no list: serves every group it holds");
    }

    private static List<String> payloads(RecordingListener l) {
        return l.messages().stream().map(d -> new String(d.message().payload(), UTF_8)).toList();
    }

    @Test
    void afterACommitAndARestart_readingResumesAtTheCommittedPosition() {
        var first = new RecordingListener();
        var log = started("node-r", first);
        for (int i = 0; i < 10; i++) {
            awaitDelivered(log.append(message(i), List.of("node-r")));
        }
        await().atMost(AWAIT).until(() -> first.messages().size() == 10);
        long sixth = first.messages().get(6).position();
        log.commit(sixth); // 0..5 finished; 6 is not
        log.close();

        var second = new RecordingListener();
        var again = started("node-r", second);
        awaitDelivered(again.append(message(10), List.of("node-r")));

        await().atMost(AWAIT).until(() -> second.messages().size() == 5);
        assertEquals(List.of("payload-6", "payload-7", "payload-8", "payload-9", "payload-10"), payloads(second));
        assertEquals(sixth, second.messages().get(0).position());
    }

    @Test
    void aNodeThatNeverCommitted_startsAtTheEnd_andDoesNotLoseWhatItAppendsBeforeItsFirstCommit() {
        var stranger = started("node-s-writer", new RecordingListener());
        awaitDelivered(stranger.append(message(0), List.of("node-s"))); // before node-s ever ran

        var first = new RecordingListener();
        var log = started("node-s", first);
        awaitDelivered(log.append(message(1), List.of("node-s")));
        await().atMost(AWAIT).until(() -> first.messages().size() == 1);
        opened.remove(log);
        log.close(); // nothing committed by the listener

        var second = new RecordingListener();
        started("node-s", second);

        await().atMost(AWAIT).until(() -> second.messages().size() == 1);
        assertEquals(List.of("payload-1"), payloads(first));
        assertEquals(List.of("payload-1"), payloads(second));
    }

    @Test
    void retainedSetAndDelete_reachEveryNode_asATombstoneInKafka_andSurviveARestart() {
        var listenerA = new RecordingListener();
        var a = started("node-a", listenerA);
        var listenerB = new RecordingListener();
        started("node-b", listenerB);
        Message lamp = retainedMessage("home/lamp", "on");
        Message door = retainedMessage("home/door", "closed");

        awaitDelivered(a.retain(lamp));
        awaitDelivered(a.retain(door));
        awaitDelivered(a.retain(retainedMessage("home/lamp", "")));

        for (RecordingListener l : List.of(listenerA, listenerB)) {
            await().atMost(AWAIT).until(() -> l.retainedChanges().size() == 3);
            assertEquals(List.of("home/lamp", "home/door", "home/lamp"),
                    l.retainedChanges().stream().map(Message::topic).toList());
            assertEquals(0, l.retainedChanges().get(2).payload().length);
            assertSameMessage(door, l.retained().get("home/door"));
        }
        List<ConsumerRecord<String, byte[]>> raw = TestKafka.readAll(retainedTopic, AWAIT);
        ConsumerRecord<String, byte[]> last = raw.stream().filter(r -> r.key().equals("home/lamp"))
                .reduce((x, y) -> y).orElseThrow();
        assertNull(last.value(), "an empty payload is written as a tombstone, which compaction removes");

        var fresh = new RecordingListener();
        var restarted = started("node-a", fresh);

        assertEquals(Map.of("home/door", "closed"), Map.of(fresh.retained().keySet().iterator().next(),
                new String(fresh.retained().values().iterator().next().payload(), UTF_8)));
        assertEquals(1, restarted.stats().retained());
    }

    private static Message retainedMessage(String topic, String payload) {
        return new Message(topic, payload.getBytes(UTF_8), 1, true, "setter", 1_700_000_000_000L, 0, 1, "text/plain",
                null, null, List.of(new UserProperty("room", "hall")));
    }

    @Test
    void aRecordNotWrittenAsSluiceWritesThem_isCountedAndSkipped_andTheNextOneIsStillDelivered() throws Exception {
        var listener = new RecordingListener();
        var log = started("node-u", listener);
        var props = new java.util.Properties();
        props.put("bootstrap.servers", TestKafka.bootstrap());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(props,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                    Partitions.of("node-u", PARTITIONS), "node-u", "no headers".getBytes(UTF_8))).get();
            // what no MQTT PUBLISH can carry: a wildcard topic, a content type longer than an MQTT string
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                    Partitions.of("node-u", PARTITIONS), null, "node-u", "wildcard".getBytes(UTF_8), List.of(
                    new org.apache.kafka.common.header.internals.RecordHeader("sluice.topic",
                            "plant/+/cmd".getBytes(UTF_8))))).get();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic,
                    Partitions.of("node-u", PARTITIONS), null, "node-u", "long".getBytes(UTF_8), List.of(
                    new org.apache.kafka.common.header.internals.RecordHeader("sluice.topic", "a".getBytes(UTF_8)),
                    new org.apache.kafka.common.header.internals.RecordHeader("sluice.content_type",
                            new byte[70_000])))).get();
        }
        awaitDelivered(log.append(message(7), List.of("node-u")));

        await().atMost(AWAIT).until(() -> listener.messages().size() == 1);
        assertEquals(List.of("payload-7"), payloads(listener));
        assertEquals(3, log.stats().undecodable());
    }

    @Test
    void aDeliveryTopicWithOtherPartitionsThanConfigured_stopsTheStart_namingTheKey() {
        var log = open("node-x", PARTITIONS + 1);

        var e = assertThrows(DeliveryLogException.class, () -> log.start(new RecordingListener()));

        assertTrue(e.getMessage().contains("delivery.partitions"), e.getMessage());
        assertTrue(e.getMessage().contains(topic), e.getMessage());
    }

    @Test
    void aMissingRetainedTopic_stopsTheStart_namingTheKey() {
        retainedTopic = "missing-" + UUID.randomUUID();
        var log = open("node-x", PARTITIONS);

        var e = assertThrows(DeliveryLogException.class, () -> log.start(new RecordingListener()));

        assertTrue(e.getMessage().contains("delivery.retained_topic"), e.getMessage());
        assertNotEquals(-1, e.getMessage().indexOf(retainedTopic));
    }
}
