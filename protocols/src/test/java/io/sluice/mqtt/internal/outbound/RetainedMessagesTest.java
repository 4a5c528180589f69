package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Message;
import io.sluice.mqtt.MqttStats;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetainedMessagesTest {
    private final MqttStats stats = new MqttStats();
    private final RetainedMessages retained = new RetainedMessages(500, stats); // "a" with 10 B fits (372 B), with 500 B not

    private static Message m(String topic, int payloadBytes) {
        return new Message(topic, new byte[payloadBytes], 1, true, "p", 0, 0, -1, null, null, null, List.of());
    }

    @Test
    void aReplacementThatDoesNotFit_dropsTheOldMessageToo_neverServingAStaleOne() {
        retained.update(m("a", 10));
        retained.update(m("a", 500));
        assertEquals(0, retained.size());
        assertEquals(0, retained.bytes());
        assertEquals(1, stats.event("retained_full"));
    }

    @Test
    void matching_followsTheFilter_andAnEmptyPayloadDeletes() {
        RetainedMessages retained = new RetainedMessages(1 << 20, stats);
        retained.update(m("cfg/a", 1));
        retained.update(m("$SYS/x", 1));
        assertEquals(List.of("cfg/a"), retained.matching("#").stream().map(Message::topic).toList());
        assertEquals(List.of("$SYS/x"), retained.matching("$SYS/+").stream().map(Message::topic).toList());
        retained.update(m("cfg/a", 0));
        assertTrue(retained.matching("cfg/#").isEmpty());
    }

    @Test
    void aSubscribeForOneDevice_findsItsTopics_amongManyRetainedTopics_inTopicOrder() {
        RetainedMessages retained = new RetainedMessages(1L << 30, stats);
        for (int d = 0; d < 20_000; d++) {
            retained.update(m("cmd/dev-" + d + "/config", 1));
            retained.update(m("cmd/dev-" + d + "/firmware", 1));
        }
        assertEquals(List.of("cmd/dev-42/config", "cmd/dev-42/firmware"),
                retained.matching("cmd/dev-42/#").stream().map(Message::topic).toList());
        assertEquals(List.of("cmd/dev-7/config"), retained.matching("cmd/dev-7/config").stream()
                .map(Message::topic).toList());
        assertEquals(20_000, retained.matching("cmd/+/firmware").size());
        assertEquals(List.of(), retained.matching("cmd/dev-20000/#"));
    }

    @Test
    void weight_countsEachTopicLevel() {
        assertEquals(1 + 2 * 5 + RetainedMessages.OVERHEAD_BYTES + 3 * RetainedIndex.LEVEL_BYTES,
                RetainedMessages.weight(m("a/b/c", 1)));
    }
}
