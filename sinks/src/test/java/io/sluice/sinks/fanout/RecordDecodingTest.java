package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.MappingRule;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What a member does with a record whose decoding throws: only the process's own errors get through. */
class RecordDecodingTest {

    @Test
    void errorsARecordCanCause_areNotFatal_theProcesssOwnAre() {
        assertFalse(RecordDecoding.fatal(new StackOverflowError()));
        assertFalse(RecordDecoding.fatal(new IllegalStateException()));
        assertFalse(RecordDecoding.fatal(new AssertionError()));
        assertTrue(RecordDecoding.fatal(new OutOfMemoryError()));
        assertTrue(RecordDecoding.fatal(new InternalError()));
        assertTrue(RecordDecoding.fatal(new NoClassDefFoundError()));
    }

    @Test
    void hostileRecord_decodesToAFailureWithItsReason() {
        RecordDecoding d = new RecordDecoding(new ReadingDecoder(List.of(MappingRule.json("{measurement}"))));
        ConsumerRecord<byte[], byte[]> rec = new ConsumerRecord<>("t", 0, 7, new byte[0],
                "[".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        rec.headers().add("sluice.topic", "m".getBytes(StandardCharsets.UTF_8));
        assertEquals("too_deep", assertInstanceOf(Decoded.Failed.class, d.decode(rec)).reason());
    }
}
