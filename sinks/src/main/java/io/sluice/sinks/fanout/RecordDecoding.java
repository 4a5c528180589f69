package io.sluice.sinks.fanout;

import io.sluice.sinks.Decoded;
import io.sluice.sinks.ReadingHeader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a polled record into what it decodes to: reads the topic and receive time from the record's headers and hands
 * the payload to the {@link ReadingDecoder}. Whatever a record's content makes decoding throw becomes a failure
 * ({@code decoder_error}, dead-lettered with the throwable as its message), so no record can end a member; only
 * {@link #fatal} errors pass. Thread-safe (the decoder is; the scratch it uses is per thread).
 */
final class RecordDecoding {
    private static final Logger LOG = LoggerFactory.getLogger(RecordDecoding.class);
    private static final byte[] NO_TOPIC = new byte[0];
    private final ReadingDecoder decoder;
    /** Whether any rule takes the time from the receive-time header (else the decoder never reads it). */
    private final boolean usesReceiveTime;

    RecordDecoding(ReadingDecoder decoder) {
        this.decoder = decoder;
        this.usesReceiveTime = decoder.usesReceiveTime();
    }

    /** What {@code rec} decodes to; never throws for its content (see {@link #fatal}). */
    Decoded decode(ConsumerRecord<byte[], byte[]> rec) {
        try {
            return decodeUnguarded(rec);
        } catch (Throwable t) {
            if (fatal(t)) {
                throw t;
            }
            LOG.warn("Decoding {}-{}@{} threw; dead-lettering it", rec.topic(), rec.partition(), rec.offset(), t);
            return new Decoded.Failed("decoder_error", String.valueOf(t));
        }
    }

    /**
     * The process's own failures, which no record's content can cause with bounded decoders: out of memory, a
     * broken JVM ({@link VirtualMachineError} other than {@link StackOverflowError}, which a record can cause) and
     * classes that cannot load ({@link LinkageError}). They end the member, which the service replaces.
     */
    static boolean fatal(Throwable t) {
        return (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) || t instanceof LinkageError;
    }

    /**
     * Decodes a record. Only the two headers the decoder needs are looked for, in one pass that stops once it has both
     * (Sluice writes them first; every header key read is decoded to a string by Kafka's client); the topic goes to
     * the decoder as the header's bytes, and the record key (the client id) is not needed. The receive-time header is
     * not looked for when no rule uses it (then the record's timestamp stands in, unused).
     */
    private Decoded decodeUnguarded(ConsumerRecord<byte[], byte[]> rec) {
        byte[] topic = null;
        int topicFrom = 0;
        byte[] received = null;
        long receivedNs = -1;
        for (Header h : rec.headers()) {
            String k = h.key();
            if (ReadingHeader.KEY.equals(k)) { // the compact layout: everything in one header, the topic last
                byte[] v = h.value();
                int at = ReadingHeader.topicStart(v);
                if (at >= 0) {
                    topic = v; // read where it is: it runs to the end of the value
                    topicFrom = at;
                    receivedNs = usesReceiveTime ? ReadingHeader.receivedNs(v) : -1;
                }
                break;
            }
            if (topic == null && "sluice.topic".equals(k)) {
                topic = h.value();
            } else if (received == null && usesReceiveTime && "sluice.received_ns".equals(k)) {
                received = h.value();
            }
            if (topic != null && (received != null || !usesReceiveTime)) {
                break;
            }
        }
        if (received != null) {
            receivedNs = Decimal.parse(received);
        }
        if (receivedNs < 0) {
            receivedNs = rec.timestamp() * 1_000_000L;
        }
        return decoder.decode(topic == null ? NO_TOPIC : topic, topicFrom, rec.value(), receivedNs);
    }
}
