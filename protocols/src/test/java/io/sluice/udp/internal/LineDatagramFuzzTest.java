package io.sluice.udp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.Protocols;
import io.sluice.mqtt.internal.FuzzLogs;
import io.sluice.udp.LineDatagramConfig;
import io.sluice.udp.LineDatagramStats;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzz target of the plain line-protocol datagram front end ({@link LineDatagramHandler} on an EmbeddedChannel, as
 * its sockets run it): nothing escapes the handler, the datagram's buffer is released, every reading line is either
 * handed to ingest or counted as a drop, and what ingest gets is that line's bytes exactly, whose measurement the
 * validator reads again as the envelope's topic; the in-flight budget comes back to zero once deliveries complete.
 *
 * <p>Input: byte 0 (bit 0: a 512-byte budget, else 1 MiB; bits 1-2: the sender), the rest is the datagram. In a normal
 * test run it replays {@code LineDatagramFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class LineDatagramFuzzTest {
    private static final int MAX_DATAGRAM_BYTES = 2048;
    private static final InetSocketAddress RECIPIENT = new InetSocketAddress("127.0.0.1", 8089);

    @BeforeAll
    static void quiet() {
        FuzzLogs.quiet();
    }

    @AfterAll
    static void restore() {
        FuzzLogs.restore();
    }

    @FuzzTest(maxDuration = "20s")
    void anyDatagram_everyLineIsSubmittedOrCounted(byte[] input) {
        if (input.length < 1) {
            return;
        }
        byte[] datagram = Arrays.copyOfRange(input, 1, input.length);
        InflightBudget budget = new InflightBudget((input[0] & 0x01) != 0 ? 512 : 1 << 20);
        List<Envelope> got = new ArrayList<>();
        List<CompletableFuture<Delivery>> pending = new ArrayList<>();
        Ingest ingest = e -> {
            got.add(e);
            CompletableFuture<Delivery> f = new CompletableFuture<>();
            pending.add(f);
            return (CompletionStage<Delivery>) f;
        };
        LineDatagramStats stats = new LineDatagramStats();
        LineDatagramConfig config = new LineDatagramConfig("127.0.0.1", 0, 1, 1 << 20, MAX_DATAGRAM_BYTES, List.of(),
                0, 0);
        EmbeddedChannel channel = new EmbeddedChannel(new LineDatagramHandler(config, ingest, budget, stats,
                System::nanoTime));
        InetSocketAddress sender = new InetSocketAddress("127.0.0." + (1 + ((input[0] >> 1) & 0x03)), 50_000);
        ByteBuf content = Unpooled.buffer(datagram.length).writeBytes(datagram); // never the shared empty buffer
        try {
            channel.writeInbound(new DatagramPacket(content, RECIPIENT, sender));
            channel.checkException();
            assertFalse(channel.finish(), "the handler passes nothing on");
        } finally {
            channel.finishAndReleaseAll();
        }
        assertEquals(0, content.refCnt(), "the datagram's buffer is released");
        assertEquals(1, stats.datagrams.sum());

        List<byte[]> readings = readingLines(datagram);
        if (datagram.length > MAX_DATAGRAM_BYTES) {
            assertEquals(1, stats.event("too_large"));
            assertTrue(got.isEmpty(), "nothing of an oversized datagram is submitted");
        } else {
            assertEquals(readings.size(), stats.linesSubmitted.sum() + stats.event("malformed_line")
                    + stats.event("budget_spent"), "every reading line is submitted or counted as a drop");
            assertEquals(got.size(), stats.linesSubmitted.sum());
            int next = 0;
            for (Envelope e : got) {
                // submitted lines are a subsequence of the reading lines, in order, byte for byte
                while (next < readings.size() && !Arrays.equals(readings.get(next), e.payload())) {
                    next++;
                }
                assertTrue(next < readings.size(), "a submitted payload is one of the datagram's lines, in order");
                next++;
                assertEquals(e.topic(), LineProtocol.measurement(e.payload(), 0, e.payload().length),
                        "an accepted line parses again, to the same measurement");
                assertEquals(Protocols.LINE_UDP, e.protocol());
                assertEquals(sender.getAddress().getHostAddress(), e.clientId());
            }
        }
        pending.forEach(f -> f.complete(Delivery.DELIVERED));
        assertEquals(0, budget.usedBytes(), "in-flight budget back to zero once deliveries complete");
    }

    /** Lines split at '\n' with one trailing '\r' removed, without blank lines and '#' comments. */
    private static List<byte[]> readingLines(byte[] b) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= b.length; i++) {
            if (i == b.length || b[i] == '\n') {
                int end = i > start && b[i - 1] == '\r' ? i - 1 : i;
                if (end > start && b[start] != '#') {
                    out.add(Arrays.copyOfRange(b, start, end));
                }
                start = i + 1;
            }
        }
        return out;
    }
}
