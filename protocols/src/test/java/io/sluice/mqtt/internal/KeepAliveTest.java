package io.sluice.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.InflightBudget;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Timers on the embedded event loop's own clock: keep-alive at 1.5x and the CONNECT timeout. */
class KeepAliveTest {
    private MqttHarness h;

    @AfterEach
    void close() {
        h.close();
    }

    private MqttHarness harness() {
        ManualIngest ingest = new ManualIngest();
        h = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, new InflightBudget(1 << 20),
                new MemorySessionStore()), ingest);
        return h;
    }

    @Test
    void silentClient_isDisconnected_afterOneAndAHalfTimesItsKeepAlive() {
        MqttHarness h = harness();
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_5).clientId("sleepy").keepAlive(10).build());
        h.server.advanceTimeBy(14, TimeUnit.SECONDS);
        assertTrue(h.pump().isEmpty(), "still within 1.5 x 10 s");
        assertTrue(h.server.isActive());
        h.server.advanceTimeBy(2, TimeUnit.SECONDS);
        List<MqttMessage> answers = h.pump();
        assertEquals(0x8D, ((MqttReasonCodeAndPropertiesVariableHeader) answers.get(0).variableHeader()).reasonCode() & 0xff,
                "DISCONNECT keep alive timeout");
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("keep_alive_timeout"));
    }

    @Test
    void pingsKeepAConnectionAlive() {
        MqttHarness h = harness();
        h.send(MqttMessageBuilders.connect().protocolVersion(MqttVersion.MQTT_3_1_1).clientId("pinger").keepAlive(10).build());
        for (int i = 0; i < 5; i++) {
            h.server.advanceTimeBy(10, TimeUnit.SECONDS);
            h.send(MqttHarness.pingReq());
        }
        assertTrue(h.server.isActive());
    }

    @Test
    void connectionWithoutConnect_isClosedAfterTheConnectTimeout() {
        MqttHarness h = harness();
        h.server.advanceTimeBy(10_001, TimeUnit.MILLISECONDS);
        h.pump();
        assertFalse(h.server.isActive());
        assertEquals(1, h.ctx.stats().event("connect_timeout"));
    }
}
