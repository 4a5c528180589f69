package io.sluice.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class LineDatagramSourceTest {
    private static final String[] BAD = {
        "cpu", "cpu,host=a", "cpu value=abc", "cpu value=1 12x", "cpu value=\"open", "cpu,=x value=1", "cpu value="
    };

    private static final class RecordingIngest implements Ingest {
        final ConcurrentLinkedQueue<Envelope> got = new ConcurrentLinkedQueue<>();

        @Override
        public CompletionStage<Delivery> submit(Envelope envelope) {
            got.add(envelope);
            return CompletableFuture.completedFuture(Delivery.DELIVERED);
        }
    }

    @Test
    void tenThousandMixedDatagrams_everyGoodLineSubmitted_everyBadLineCounted() throws Exception {
        RecordingIngest ingest = new RecordingIngest();
        InflightBudget budget = new InflightBudget(64 << 20);
        LineDatagramConfig config = new LineDatagramConfig("127.0.0.1", 0, 2, 4 << 20, 65507,
                List.of("127.0.0.0/8"), 0, 0);
        Random rnd = new Random(42);
        int good = 0;
        int bad = 0;
        try (LineDatagramSource source = new LineDatagramSource(config, ingest, budget);
             DatagramSocket sender = new DatagramSocket()) {
            int port = source.start();
            InetAddress lo = InetAddress.getLoopbackAddress();
            for (int d = 0; d < 10_000; d++) {
                StringBuilder sb = new StringBuilder();
                int lines = 1 + rnd.nextInt(5);
                for (int l = 0; l < lines; l++) {
                    if (rnd.nextInt(4) == 0) {
                        sb.append(BAD[rnd.nextInt(BAD.length)]);
                        bad++;
                    } else {
                        sb.append("m").append(rnd.nextInt(10)).append(",dev=d").append(rnd.nextInt(1000))
                                .append(" t=").append(rnd.nextDouble()).append(",n=").append(rnd.nextInt()).append('i')
                                .append(' ').append(1_700_000_000_000_000_000L + d);
                        good++;
                    }
                    sb.append('\n');
                }
                byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                sender.send(new DatagramPacket(b, b.length, lo, port));
                if (d % 200 == 199) {
                    // pace the sender so the test measures the source, not the kernel's receive buffer
                    long sent = d + 1;
                    await().atMost(Duration.ofSeconds(10)).until(() -> source.stats().datagrams.sum() >= sent);
                }
            }
            int expectedGood = good;
            int expectedBad = bad;
            await().atMost(Duration.ofSeconds(10)).until(() -> ingest.got.size() >= expectedGood
                    && source.stats().event("malformed_line") >= expectedBad);
            assertEquals(expectedGood, ingest.got.size());
            assertEquals(expectedBad, source.stats().event("malformed_line"));
            Envelope e = ingest.got.peek();
            assertEquals(Protocols.LINE_UDP, e.protocol());
            assertEquals(0, e.qos());
            assertEquals("127.0.0.1", e.clientId());
            assertEquals("127.0.0.1:" + sender.getLocalPort(), e.source());
            assertEquals(true, e.topic().matches("m\\d"));
            await().until(() -> budget.usedBytes() == 0);
        }
    }

    @Test
    void disallowedSource_oversizedDatagram_andRateLimit_areCountedDrops() throws Exception {
        RecordingIngest ingest = new RecordingIngest();
        InflightBudget budget = new InflightBudget(1 << 20);
        try (LineDatagramSource denied = new LineDatagramSource(new LineDatagramConfig("127.0.0.1", 0, 1, 1 << 20,
                100, List.of("10.0.0.0/8"), 0, 0), ingest, budget);
             LineDatagramSource limited = new LineDatagramSource(new LineDatagramConfig("127.0.0.1", 0, 1, 1 << 20,
                100, List.of(), 0.001, 2), ingest, budget);
             DatagramSocket sender = new DatagramSocket()) {
            int deniedPort = denied.start();
            int limitedPort = limited.start();
            InetAddress lo = InetAddress.getLoopbackAddress();
            byte[] ok = "cpu v=1\n".getBytes(StandardCharsets.UTF_8);
            byte[] big = ("cpu v=\"" + "x".repeat(200) + "\"").getBytes(StandardCharsets.UTF_8);
            sender.send(new DatagramPacket(ok, ok.length, lo, deniedPort));
            sender.send(new DatagramPacket(big, big.length, lo, limitedPort));
            for (int i = 0; i < 5; i++) {
                sender.send(new DatagramPacket(ok, ok.length, lo, limitedPort));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> denied.stats().event("not_allowed") == 1
                    && limited.stats().datagrams.sum() == 6);
            assertEquals(1, limited.stats().event("too_large"));
            assertEquals(3, limited.stats().event("rate_limited"));
            assertEquals(2, ingest.got.size());
        }
    }
}
