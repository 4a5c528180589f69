package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fuzz target of the subscription index: after any sequence of subscribes and unsubscribes, what {@link
 * SubscriptionIndex#match} answers for a topic is what a naive matcher (every stored filter compared with the
 * topic, level by level) says: the same sessions, each once, at the highest matching QoS with every matching
 * subscription identifier, no-local honoured; one member per shared group and filter. In a normal test run it
 * replays the inputs under {@code SubscriptionIndexFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class SubscriptionIndexFuzzTest {
    private static final String[] LEVELS = {"a", "b", "", "+", "#", "$SYS", "$x", "c"};
    private static final String[] CLIENTS = {"c0", "c1", "c2", "c3"};

    @FuzzTest(maxDuration = "20s")
    void match_agreesWithANaiveMatcher(FuzzedDataProvider data) {
        SubscriptionIndex index = new SubscriptionIndex();
        // client -> filter -> {options, id}
        Map<String, Map<String, int[]>> model = new TreeMap<>();
        int ops = data.consumeInt(0, 40);
        for (int i = 0; i < ops; i++) {
            String client = CLIENTS[data.consumeInt(0, CLIENTS.length - 1)];
            String filter = filter(data);
            if (data.consumeInt(0, 3) == 0) {
                boolean had = model.getOrDefault(client, Map.of()).containsKey(filter);
                assertEquals(had, index.remove(client, filter));
                if (had) {
                    model.get(client).remove(filter);
                }
            } else {
                int options = data.consumeInt(0, 2) | (data.consumeBoolean() ? 0x04 : 0)
                        | (data.consumeBoolean() ? 0x08 : 0);
                if (SharedFilter.isShared(filter)) {
                    options &= ~0x04; // no-local on a shared subscription is refused before the index
                }
                int id = data.consumeInt(0, 3);
                index.add(client, filter, options, id);
                model.computeIfAbsent(client, c -> new LinkedHashMap<>()).put(filter, new int[] {options, id});
            }
        }
        for (int t = 0; t < 4; t++) {
            String topic = topic(data);
            String publisher = CLIENTS[data.consumeInt(0, CLIENTS.length - 1)];
            check(index, model, topic, publisher);
        }
    }

    private static void check(SubscriptionIndex index, Map<String, Map<String, int[]>> model, String topic,
                              String publisher) {
        Map<String, String> expected = new TreeMap<>();
        Map<String, List<String>> groups = new TreeMap<>(); // "group|filter" -> members
        boolean any = false;
        for (var c : model.entrySet()) {
            int qos = -1;
            List<Integer> ids = new ArrayList<>();
            for (var f : c.getValue().entrySet()) {
                SharedFilter shared = SharedFilter.parse(f.getKey());
                String plain = shared == null ? f.getKey() : shared.filter();
                if (!TopicMatcher.matches(plain, topic)) {
                    continue;
                }
                any = true;
                if (shared != null) {
                    groups.computeIfAbsent(shared.group() + "|" + shared.filter(), k -> new ArrayList<>())
                            .add(c.getKey());
                    continue;
                }
                int options = f.getValue()[0];
                if ((options & 0x04) != 0 && c.getKey().equals(publisher)) {
                    continue;
                }
                qos = Math.max(qos, options & 3);
                if (f.getValue()[1] != 0) {
                    ids.add(f.getValue()[1]);
                }
            }
            if (qos >= 0) {
                ids.sort(null);
                expected.put(c.getKey(), qos + " " + ids);
            }
        }
        Map<String, String> actual = new TreeMap<>();
        int sharedCopies = 0;
        for (Target t : index.match(topic, publisher, id -> true)) {
            if (t.shared()) {
                sharedCopies++;
                continue;
            }
            List<Integer> ids = new ArrayList<>();
            for (int id : t.subscriptionIds()) {
                ids.add(id);
            }
            String was = actual.put(t.clientId(), t.qos() + " " + ids);
            assertEquals(null, was, "one copy per session");
        }
        assertEquals(expected, actual, "topic " + topic + " from " + publisher);
        assertEquals(groups.size(), sharedCopies, "one copy per shared group and filter");
        assertEquals(any, index.anyMatch(topic));
    }

    private static String filter(FuzzedDataProvider data) {
        int n = data.consumeInt(1, 4);
        StringBuilder b = new StringBuilder(data.consumeInt(0, 4) == 0 ? "$share/g" + data.consumeInt(0, 1) + "/" : "");
        for (int i = 0; i < n; i++) {
            String level = LEVELS[data.consumeInt(0, LEVELS.length - 1)];
            if (level.equals("#") && i < n - 1) {
                level = "+";
            }
            b.append(i == 0 ? "" : "/").append(level);
        }
        return b.toString();
    }

    private static String topic(FuzzedDataProvider data) {
        int n = data.consumeInt(1, 5);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String level = LEVELS[data.consumeInt(0, LEVELS.length - 1)];
            if (level.equals("+") || level.equals("#")) {
                level = "z";
            }
            b.append(i == 0 ? "" : "/").append(level);
        }
        return b.toString();
    }
}
