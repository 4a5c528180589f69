package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sluice.delivery.Message;
import io.sluice.mqtt.MqttStats;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Fuzz target of the retained messages' index: after any sequence of retained messages set and deleted, what
 * {@link RetainedMessages#matching} serves for a filter is what testing every retained topic against the filter
 * ({@link TopicMatcher}) says, in topic order, and deleting everything leaves nothing held. In a normal test run it
 * replays the inputs under {@code RetainedIndexFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class RetainedIndexFuzzTest {
    private static final String[] LEVELS = {"a", "b", "", "$SYS", "$x", "c", "a+b"};
    private static final String[] FILTER_LEVELS = {"a", "b", "", "+", "#", "$SYS", "$x", "c"};

    @FuzzTest(maxDuration = "20s")
    void matching_agreesWithTestingEveryTopic(FuzzedDataProvider data) {
        RetainedMessages retained = new RetainedMessages(Long.MAX_VALUE, new MqttStats());
        TreeSet<String> model = new TreeSet<>();
        int ops = data.consumeInt(0, 40);
        for (int i = 0; i < ops; i++) {
            String topic = name(data, LEVELS, false);
            boolean delete = data.consumeInt(0, 3) == 0;
            retained.update(message(topic, delete ? 0 : 1));
            if (delete) {
                model.remove(topic);
            } else {
                model.add(topic);
            }
        }
        for (int f = 0; f < 4; f++) {
            String filter = name(data, FILTER_LEVELS, true);
            List<String> expected = new ArrayList<>();
            for (String topic : model) {
                if (TopicMatcher.matches(filter, topic)) {
                    expected.add(topic);
                }
            }
            assertEquals(expected, retained.matching(filter).stream().map(Message::topic).toList(), filter);
        }
        assertEquals(model.size(), retained.size());
        for (String topic : model) {
            retained.update(message(topic, 0));
        }
        assertEquals(0, retained.size());
        assertEquals(0, retained.bytes());
        assertEquals(List.of(), retained.matching("#"));
    }

    static Message message(String topic, int payloadBytes) {
        return new Message(topic, new byte[payloadBytes], 1, true, "p", 0, 0, -1, null, null, null, List.of());
    }

    /** A topic name (no wildcards; never empty) or a valid filter ("#" only last). */
    private static String name(FuzzedDataProvider data, String[] levels, boolean filter) {
        int n = data.consumeInt(1, 4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String level = levels[data.consumeInt(0, levels.length - 1)];
            if (level.equals("#") && i < n - 1) {
                level = "+";
            }
            if (i > 0) {
                b.append('/');
            }
            b.append(level);
        }
        return b.isEmpty() ? "a" : b.toString();
    }
}
