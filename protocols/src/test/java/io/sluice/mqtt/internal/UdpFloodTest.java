package io.sluice.mqtt.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.mqtt.MqttVersion;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.udp.LineDatagramConfig;
import io.sluice.udp.LineDatagramSource;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A datagram flood against a Kafka that does not answer must not take the budget MQTT readers need. */
class UdpFloodTest {

    /** Takes every reading and never completes it, as a log does while Kafka is unreachable. */
    private static final class StalledIngest implements Ingest {
        final AtomicInteger taken = new AtomicInteger();

        @Override
        public CompletionStage<Delivery> submit(Envelope envelope) {
            taken.incrementAndGet();
            return new CompletableFuture<>();
        }
    }

    @Test
    void datagramFlood_spendsOnlyTheUdpShare_andAnMqttPublishIsStillSubmitted() throws Exception {
        InflightBudget budget = new InflightBudget(256 * 1024);
        InflightBudget udp = budget.share(25);
        StalledIngest stalled = new StalledIngest();
        LineDatagramConfig config = new LineDatagramConfig("127.0.0.1", 0, 1, 4 << 20, 65507,
                List.of("127.0.0.0/8"), 0, 0);
        try (LineDatagramSource source = new LineDatagramSource(config, stalled, udp);
             DatagramSocket sender = new DatagramSocket()) {
            int port = source.start();
            InetAddress lo = InetAddress.getLoopbackAddress();
            byte[] line = ("flood,dev=x value=1 1700000000000000000\n".repeat(20)).getBytes(StandardCharsets.UTF_8);
            for (int d = 1; d <= 2_000; d++) {
                sender.send(new DatagramPacket(line, line.length, lo, port));
                if (d % 100 == 0) {
                    long sent = d;
                    await().atMost(Duration.ofSeconds(10)).until(() -> source.stats().datagrams.sum() >= sent);
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> source.stats().datagrams.sum() >= 2_000);
            assertTrue(source.stats().event("budget_spent") > 0, "the flood outran its share");
            assertTrue(budget.usedBytes() <= budget.capacityBytes() / 4 + 4096,
                    "UDP holds " + budget.usedBytes() + " of " + budget.capacityBytes());

            ManualIngest ingest = new ManualIngest();
            MqttHarness mqtt = new MqttHarness(MqttHarness.context(MqttHarness.config(64, 4, 4096), ingest, budget,
                    new MemorySessionStore()), ingest);
            try {
                mqtt.connect(MqttVersion.MQTT_3_1_1, "neighbour", true, 0);
                mqtt.send(MqttHarness.publish("s/neighbour/t", 1, 1, new byte[100]));
                assertEquals(1, ingest.received.size(), "the MQTT reading went to ingest during the flood");
                assertTrue(mqtt.server.config().isAutoRead(), "the MQTT reader is not parked");
            } finally {
                mqtt.close();
            }
        }
    }
}
