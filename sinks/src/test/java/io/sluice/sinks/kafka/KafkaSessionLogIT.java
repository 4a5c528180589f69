package io.sluice.sinks.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.SessionLogConfig;
import io.sluice.sinks.SessionLogException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session store on a real compacted topic: what one instance writes, a fresh one reads back. */
class KafkaSessionLogIT {
    private static final Duration AWAIT = Duration.ofSeconds(60);

    private String topic;
    private final List<KafkaSessionLog> opened = new ArrayList<>();

    @BeforeEach
    void createTopic() {
        topic = "sessions-" + UUID.randomUUID();
        try (var topics = new KafkaTopics(TestKafka.bootstrap(), Map.of(), Duration.ofSeconds(30))) {
            topics.ensureSessionsTopic(topic, 3, 1, 1);
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(s -> s.close(Duration.ofSeconds(5)));
    }

    private KafkaSessionLog open() {
        var log = new KafkaSessionLog(SessionLogConfig.defaults(TestKafka.bootstrap()).withTopic(topic)
                .withTimeouts(30_000, 10_000, 10_000, 30_000));
        opened.add(log);
        return log;
    }

    private static void awaitDone(CompletableFuture<Void> f) {
        await().atMost(AWAIT).until(f::isDone);
        assertFalse(f.isCompletedExceptionally(), () -> f.exceptionNow().toString());
    }

    private static Map<String, String> text(Map<String, byte[]> state) {
        var out = new TreeMap<String, String>();
        state.forEach((k, v) -> out.put(k, new String(v, UTF_8)));
        return out;
    }

    @Test
    void putAndRemove_thenLoadAll_inAFreshInstance_seesTheLatestValuePerKey_andNoRemovedKeys() {
        var writer = open();
        var writes = new ArrayList<CompletableFuture<Void>>();
        for (int i = 0; i < 20; i++) {
            writes.add(writer.put("client-" + i, ("v1-" + i).getBytes(UTF_8)));
        }
        writes.add(writer.put("client-3", "v2-3".getBytes(UTF_8)));
        writes.add(writer.remove("client-5"));
        writes.add(writer.remove("client-6"));
        writes.add(writer.put("client-6", "back".getBytes(UTF_8))); // removed, then stored again
        writes.add(writer.remove("never-stored"));
        writes.forEach(KafkaSessionLogIT::awaitDone);

        Map<String, String> loaded = text(open().loadAll());

        var expected = new TreeMap<String, String>();
        for (int i = 0; i < 20; i++) {
            expected.put("client-" + i, "v1-" + i);
        }
        expected.put("client-3", "v2-3");
        expected.remove("client-5");
        expected.put("client-6", "back");
        assertEquals(expected, loaded);
        assertNull(loaded.get("never-stored"));
    }

    private KafkaSessionLog open(String node) {
        var log = new KafkaSessionLog(SessionLogConfig.defaults(TestKafka.bootstrap()).withTopic(topic)
                .withTimeouts(30_000, 10_000, 10_000, 30_000), node);
        opened.add(log);
        return log;
    }

    @Test
    void follow_handsOnWhatAnyNodeWritesAfterTheLoad_inOrder_namingTheWriter_andSkipsOtherRecordsOfASession() {
        var n1 = open("n1");
        var n2 = open("n2");
        awaitDone(n1.put("before", "0".getBytes(UTF_8)));
        assertEquals(Map.of("before", "0"), text(n1.loadAll()));
        // written between the load and the start of following: not missed
        awaitDone(n2.put("dev-1", "a".getBytes(UTF_8)));
        var seen = java.util.Collections.synchronizedList(new ArrayList<String>());
        n1.follow((key, value, writer) -> seen.add(key + "=" + (value == null ? "-" : new String(value, UTF_8))
                + "@" + writer));

        awaitDone(n1.put("dev-1", "b".getBytes(UTF_8)));
        awaitDone(n2.put("dev-1\u0000outbound", "x".getBytes(UTF_8)));
        awaitDone(n2.remove("dev-1"));
        awaitDone(open().put("dev-2", "c".getBytes(UTF_8))); // a writer that names no node

        await().atMost(AWAIT).until(() -> seen.size() >= 4);
        List<String> all = List.copyOf(seen);
        assertEquals(List.of("dev-1=a@n2", "dev-1=b@n1", "dev-1=-@n2"),
                all.stream().filter(r -> r.startsWith("dev-1")).toList(), "log order per key");
        assertEquals(List.of("dev-2=c@"), all.stream().filter(r -> r.startsWith("dev-2")).toList());
        assertEquals(4, all.size(), "nothing else: the outbound record of dev-1 is skipped, 'before' was loaded");
    }

    @Test
    void caughtUp_completesOnlyOnceTheFollowerHasHandedOnEveryRecordWrittenBeforeIt_whoeverWroteThem() {
        var n1 = open("n1");
        var n2 = open("n2");
        n1.loadAll();
        var seen = java.util.Collections.synchronizedList(new ArrayList<String>());
        n1.follow((key, value, writer) -> {
            sleepQuietly(); // a follower slower than the writes: caughtUp must still wait for them all
            seen.add(key);
        });
        for (int i = 0; i < 30; i++) {
            awaitDone(n2.put("dev-" + i, "s".getBytes(UTF_8)));
        }

        awaitDone(n1.caughtUp());

        assertEquals(30, seen.size(), "every record written before caughtUp was handed on first");
        assertTrue(open().caughtUp().isDone(), "a log that does not follow is caught up at once");
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(5); // slows the listener; not a synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void loadAll_ofAnEmptyTopic_isEmpty() {
        assertTrue(open().loadAll().isEmpty());
    }

    @Test
    void loadAll_seesWritesMadeAfterAnEarlierLoad() {
        var log = open();
        awaitDone(log.put("a", "1".getBytes(UTF_8)));
        assertEquals(Map.of("a", "1"), text(log.loadAll()));

        awaitDone(log.put("a", "2".getBytes(UTF_8)));
        awaitDone(log.put("b", "1".getBytes(UTF_8)));
        awaitDone(log.remove("a"));

        assertEquals(Map.of("b", "1"), text(log.loadAll()));
    }

    @Test
    void loadAll_ofAMissingTopic_failsNamingTheTopic_insteadOfCreatingIt() {
        var log = new KafkaSessionLog(SessionLogConfig.defaults(TestKafka.bootstrap())
                .withTopic("missing-" + UUID.randomUUID()).withTimeouts(10_000, 5_000, 5_000, 10_000));
        opened.add(log);

        var e = assertThrows(SessionLogException.class, log::loadAll);

        assertTrue(e.getMessage().contains(log.config().topic()), e.getMessage());
        assertFalse(e.retryable());
    }

    @Test
    void writesAfterClose_failRetryable_namingTheKey() {
        var log = open();
        log.close(Duration.ofSeconds(5));

        var f = log.put("client-1", new byte[] {1});

        assertTrue(f.isCompletedExceptionally());
        var cause = assertThrows(Exception.class, f::join).getCause();
        assertTrue(cause instanceof SessionLogException s && s.retryable(), String.valueOf(cause));
        assertTrue(cause.getMessage().contains("client-1"), cause.getMessage());
    }
}
