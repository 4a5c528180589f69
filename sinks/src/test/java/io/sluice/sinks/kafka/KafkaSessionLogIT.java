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
