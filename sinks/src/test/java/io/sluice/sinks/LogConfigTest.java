package io.sluice.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogConfigTest {

    @Test
    void defaults_matchTheShippedConfig() {
        LogConfig c = LogConfig.defaults("localhost:9092");
        assertEquals("sluice.readings", c.topic());
        assertEquals(120_000, c.deliveryTimeoutMs());
        assertEquals(128L * 1024 * 1024, c.bufferMemoryBytes());
        assertEquals(Map.of(), c.clientProperties());
    }

    @Test
    void overridingAcks_throughClientProperties_isRefused_namingTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> LogConfig.defaults("k:9092")
                .withClientProperties(Map.of("acks", "1")));
        assertTrue(e.getMessage().contains("clientProperties.acks"), e.getMessage());
    }

    @Test
    void securityProperties_passThrough_andAreCopied() {
        var props = new HashMap<String, String>();
        props.put("security.protocol", "SASL_SSL");
        LogConfig c = LogConfig.defaults("k:9092").withClientProperties(props);
        props.put("sasl.mechanism", "PLAIN");
        assertEquals(Map.of("security.protocol", "SASL_SSL"), c.clientProperties());
    }

    @Test
    void deliveryTimeout_belowLingerPlusRequestTimeout_isRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> LogConfig.defaults("k:9092").withTimeouts(10_000, 30_000, 1_000));
        assertTrue(e.getMessage().contains("deliveryTimeoutMs 10000"), e.getMessage());
    }

    @Test
    void blankBootstrap_andBatchLargerThanBuffer_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> LogConfig.defaults(" "));
        assertThrows(IllegalArgumentException.class,
                () -> LogConfig.defaults("k:9092").withBatching(5, 2 * 1024 * 1024, 1024 * 1024));
    }

    @Test
    void logRecord_copiesHeaders_andRefusesNullValue() {
        var headers = new java.util.ArrayList<LogHeader>(List.of(new LogHeader("a", new byte[] {1})));
        var r = new LogRecord("k", new byte[] {2}, headers);
        headers.clear();
        assertEquals(1, r.headers().size());
        assertThrows(NullPointerException.class, () -> new LogRecord("k", null));
    }

    @Test
    void sessionConfig_refusesGroupId_andDeliveryBelowRequestTimeout() {
        assertThrows(IllegalArgumentException.class, () -> SessionLogConfig.defaults("k:9092")
                .withClientProperties(Map.of("group.id", "g")));
        assertThrows(IllegalArgumentException.class, () -> SessionLogConfig.defaults("k:9092")
                .withTimeouts(1_000, 2_000, 1_000, 1_000));
    }

    @Test
    void topicCheck_describesEveryDifference() {
        var check = new TopicCheck("t", false, List.of(
                new TopicCheck.Difference("replication.factor", "3", "1"),
                new TopicCheck.Difference("min.insync.replicas", "2", "1")));
        assertEquals("topic 't' differs: replication.factor is 1, expected 3; min.insync.replicas is 1, expected 2",
                check.describe());
    }
}
