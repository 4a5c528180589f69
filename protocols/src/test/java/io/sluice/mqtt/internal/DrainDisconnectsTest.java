package io.sluice.mqtt.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.DrainDisconnects;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttSource;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The end of a drain on a real listener with real MQTT 5 clients: paced, each told where to go, reported. */
class DrainDisconnectsTest {

    private static List<Mqtt5BlockingClient> connect(MqttSource source, int n, ConcurrentLinkedQueue<Long> endedAt,
                                                     ConcurrentLinkedQueue<Throwable> causes) {
        List<Mqtt5BlockingClient> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("paced-" + i)
                    .serverHost("127.0.0.1").serverPort(source.port())
                    .addDisconnectedListener(ctx -> {
                        endedAt.add(System.nanoTime());
                        causes.add(ctx.getCause());
                    }).buildBlocking();
            c.connect();
            clients.add(c);
        }
        return clients;
    }

    @Test
    void endingSixConnections_atFiveASecond_takesAtLeastOneSecond_andTellsEachToUseTheReference() {
        ConcurrentLinkedQueue<Long> endedAt = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> causes = new ConcurrentLinkedQueue<>();
        try (MqttSource source = new MqttSource(MqttConfig.loopback().withServerReferences(List.of("other:1883")),
                new ManualIngest(), new InflightBudget(1 << 20), new MemorySessionStore(), Clock.systemUTC())) {
            source.start();
            connect(source, 6, endedAt, causes);
            source.drain();
            long start = System.nanoTime();
            DrainDisconnects ending = source.endConnections(5);
            assertSame(ending, source.endConnections(0), "a second call reports the first ending");
            DrainDisconnects.Progress p = ending.await(Duration.ofSeconds(10).toNanos());
            assertTrue(p.complete(), p.toString());
            assertEquals(new DrainDisconnects.Progress(6, 6, true), p);
            await().atMost(Duration.ofSeconds(10)).until(() -> endedAt.size() == 6);
            long spanMillis = (endedAt.stream().mapToLong(Long::longValue).max().orElseThrow() - start) / 1_000_000;
            assertTrue(spanMillis >= 900, "6 connections at 5 a second end over at least 1 s, took " + spanMillis);
            for (Throwable t : causes) {
                assertTrue(t instanceof Mqtt5DisconnectException, String.valueOf(t));
                var d = ((Mqtt5DisconnectException) t).getMqttMessage();
                assertEquals(Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, d.getReasonCode());
                assertEquals("other:1883", d.getServerReference().map(Object::toString).orElse(null));
            }
            assertEquals(0, source.stats().openConnections());
        }
    }

    @Test
    void rateZero_endsThemAllAtOnce() {
        ConcurrentLinkedQueue<Long> endedAt = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> causes = new ConcurrentLinkedQueue<>();
        try (MqttSource source = new MqttSource(MqttConfig.loopback(), new ManualIngest(), new InflightBudget(1 << 20),
                new MemorySessionStore(), Clock.systemUTC())) {
            source.start();
            List<Mqtt5BlockingClient> clients = connect(source, 4, endedAt, causes);
            source.drain();
            long start = System.nanoTime();
            DrainDisconnects.Progress p = source.endConnections(0).await(Duration.ofSeconds(10).toNanos());
            assertEquals(new DrainDisconnects.Progress(4, 4, true), p);
            await().atMost(Duration.ofSeconds(10)).until(() -> endedAt.size() == 4);
            long spanMillis = (endedAt.stream().mapToLong(Long::longValue).max().orElseThrow() - start) / 1_000_000;
            assertTrue(spanMillis < 900, "all at once, took " + spanMillis);
            for (Throwable t : causes) {
                assertEquals(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN,
                        ((Mqtt5DisconnectException) t).getMqttMessage().getReasonCode(), "no references: 0x8B");
            }
            clients.forEach(c -> assertFalse(c.getState().isConnected()));
        }
    }

    @Test
    void aStop_withReferences_tellsARealMqtt5Client0x9C_withTheReference() {
        ConcurrentLinkedQueue<Long> endedAt = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> causes = new ConcurrentLinkedQueue<>();
        MqttSource source = new MqttSource(MqttConfig.loopback().withServerReferences(List.of("n2:1883", "n3:1883")),
                new ManualIngest(), new InflightBudget(1 << 20), new MemorySessionStore(), Clock.systemUTC());
        source.start();
        connect(source, 2, endedAt, causes);
        source.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> causes.size() == 2);
        List<String> told = new ArrayList<>();
        for (Throwable t : causes) {
            var d = ((Mqtt5DisconnectException) t).getMqttMessage();
            assertEquals(Mqtt5DisconnectReasonCode.USE_ANOTHER_SERVER, d.getReasonCode());
            told.add(d.getServerReference().map(Object::toString).orElse(null));
        }
        assertEquals(java.util.Set.of("n2:1883", "n3:1883"), java.util.Set.copyOf(told), "one each, in turn");
    }
}
