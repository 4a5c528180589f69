package io.sluice.sim.bench;

import java.util.List;

/**
 * One fuzz case: what one connection (TCP) or one UDP socket sends. {@code writes} are the byte chunks in the order
 * sent (a TCP case's frames concatenated and cut at random points, so frames also arrive split and coalesced; each
 * datagram of a UDP case); {@code inputs} counts the frames or datagrams in it, malformed or not.
 *
 * @param transport where it goes
 * @param kind      which generator made it (random, mutated, truncated, bad-length, ...), for the report
 * @param writes    the chunks, in order
 * @param inputs    frames (TCP) or datagrams (UDP) in the case
 * @param reset     TCP: close with RST (SO_LINGER 0) instead of FIN
 */
record FuzzCase(Transport transport, String kind, List<byte[]> writes, int inputs, boolean reset) {
    enum Transport {
        MQTT, MQTT_SN, LINE_UDP
    }

    long bytes() {
        long n = 0;
        for (byte[] w : writes) {
            n += w.length;
        }
        return n;
    }
}
