package io.sluice.sim;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The ledger of a fleet of millions of device identities: identity {@code i} is the device named
 * {@code prefix + i} (any zero padding), and its message of round {@code r} has seq {@code r}. What was sent and
 * what was acknowledged are bit sets per round over identity indexes ({@link IndexBits}), made when a round is
 * first used: 10 million identities cost 2.5 MB per round. (The name-keyed {@link AckLedger} retains 182 bytes per
 * device for one message, names not counted, measured with a million devices: 1.8 GB for 10 million.) Thread-safe;
 * {@link #bytes()} is the heap it holds.
 */
public final class FleetLedger extends CountingLedger {
    private final String prefix;
    private final int runTag;
    private final int identities;
    private final AtomicReferenceArray<IndexBits> sent;
    private final AtomicReferenceArray<IndexBits> acked;

    /**
     * @param prefix     identity names are prefix + index; its hash is the binary format's run tag
     * @param identities identity indexes 0..identities-1
     * @param rounds     messages per identity, seq 0..rounds-1
     */
    public FleetLedger(String prefix, int identities, int rounds) {
        if (identities < 1 || rounds < 1) {
            throw new IllegalArgumentException("identities and rounds must be >= 1");
        }
        this.prefix = prefix;
        this.runTag = runTag(prefix);
        this.identities = identities;
        this.sent = new AtomicReferenceArray<>(rounds);
        this.acked = new AtomicReferenceArray<>(rounds);
    }

    /** The binary format's run tag of a fleet whose names start with {@code prefix}. */
    public static int runTag(String prefix) {
        return prefix.hashCode();
    }

    public void sent(int identity, int round) {
        bits(sent, round).set(identity);
        countSent();
    }

    public void acked(int identity, int round) {
        if (bits(acked, round).set(identity)) {
            countAcked();
        }
    }

    public boolean isAcked(int identity, int round) {
        IndexBits b = round < acked.length() ? acked.get(round) : null;
        return b != null && b.get(identity);
    }

    public int identities() {
        return identities;
    }

    public int rounds() {
        return sent.length();
    }

    /** Heap held by the bit sets made so far (the arrays of round slots included). */
    public long bytes() {
        long n = 2 * (16 + 16 + 4L * sent.length()); // two AtomicReferenceArrays of compressed references
        for (int r = 0; r < sent.length(); r++) {
            n += bytesOf(sent.get(r)) + bytesOf(acked.get(r));
        }
        return n;
    }

    private static long bytesOf(IndexBits b) {
        return b == null ? 0 : b.bytes();
    }

    private IndexBits bits(AtomicReferenceArray<IndexBits> rounds, int round) {
        IndexBits b = rounds.get(round);
        if (b == null) {
            rounds.compareAndSet(round, null, new IndexBits(identities));
            b = rounds.get(round);
        }
        return b;
    }

    /** The identity index a message names, or -1 when it is not one of this fleet's. */
    int indexOf(Reading.MessageId id) {
        long index;
        if (id.device() == null) {
            index = id.runTag() == runTag ? id.index() : -1;
        } else {
            String d = id.device();
            if (!d.startsWith(prefix) || d.length() == prefix.length() || d.length() - prefix.length() > 10) {
                return -1;
            }
            index = 0;
            for (int i = prefix.length(); i < d.length(); i++) {
                char c = d.charAt(i);
                if (c < '0' || c > '9') {
                    return -1;
                }
                index = index * 10 + (c - '0');
            }
        }
        return index >= 0 && index < identities ? (int) index : -1;
    }

    @Override
    public Presence presence() {
        return new RoundPresence();
    }

    /** Found messages as bit sets per round, like the ledger's own. */
    private final class RoundPresence implements Presence {
        private final AtomicReferenceArray<IndexBits> seen = new AtomicReferenceArray<>(rounds());

        @Override
        public Found found(Reading.MessageId id) {
            int index = indexOf(id);
            if (index < 0 || id.seq() >= rounds()) {
                return Found.FOREIGN;
            }
            int round = (int) id.seq();
            if (!bits(seen, round).set(index)) {
                return Found.DUPLICATE;
            }
            return isAcked(index, round) ? Found.ACKED : Found.UNACKED;
        }

        @Override
        public long missing() {
            return notSeen(acked);
        }

        @Override
        public long absent() {
            return notSeen(sent);
        }

        private long notSeen(AtomicReferenceArray<IndexBits> ledger) {
            long n = 0;
            for (int r = 0; r < ledger.length(); r++) {
                IndexBits expected = ledger.get(r);
                if (expected != null) {
                    n += expected.countNotIn(seen.get(r));
                }
            }
            return n;
        }
    }
}
