package io.sluice.mqtt.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.mqtt.MqttConfig;
import io.sluice.mqtt.MqttSource;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A drain on a real listener and a real MQTT 5 client: nothing more is read, so outstanding falls to zero. */
class DrainTest {

    @Test
    void drain_stopsReadingOpenConnections_soOutstandingReachesZero_andPubacksStillGoOut() throws Exception {
        ManualIngest ingest = new ManualIngest();
        try (MqttSource source = new MqttSource(MqttConfig.loopback(), ingest, new InflightBudget(1 << 20),
                new MemorySessionStore(), Clock.systemUTC())) {
            source.start();
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier("busy-sensor")
                    .serverHost("127.0.0.1").serverPort(source.port()).buildAsync();
            client.connect().join();
            CompletableFuture<Mqtt5PublishResult> first = client.publishWith().topic("t/1").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {1}).send();
            await().atMost(Duration.ofSeconds(10)).until(() -> ingest.count() == 1);

            source.drain();
            CompletableFuture<Mqtt5PublishResult> second = client.publishWith().topic("t/2")
                    .qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {2}).send();
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> ingest.count() == 1);

            ingest.complete(0, Delivery.DELIVERED);
            assertTrue(source.awaitInflight(Duration.ofSeconds(10)), "nothing new read, so nothing left in flight");
            assertEquals(0, source.outstanding());
            assertTrue(first.get(10, java.util.concurrent.TimeUnit.SECONDS).getError().isEmpty(), "PUBACK after drain");
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> ingest.count() == 1);
            assertFalse(second.isDone(), "the PUBLISH sent after the drain was not read, so not acknowledged");

            Mqtt5AsyncClient late = MqttClient.builder().useMqttVersion5().identifier("late-sensor")
                    .serverHost("127.0.0.1").serverPort(source.port()).buildAsync();
            assertThrows(Exception.class, () -> late.connect().get(10, java.util.concurrent.TimeUnit.SECONDS));
        }
    }
}
