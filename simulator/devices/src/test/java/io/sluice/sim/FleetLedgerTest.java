package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class FleetLedgerTest {
    private static final String PREFIX = "fx-";
    private static final int TAG = FleetLedger.runTag(PREFIX);

    private static byte[] payload(PayloadFormat f, int identity, int round) {
        return f.encode("temperature", PREFIX + String.format("%04d", identity), identity, TAG, round, 1L, 64);
    }

    @Test
    void everyAcknowledgedMessageFound_inAnyFormat_passes_andCountsDuplicatesUnackedAndForeign() {
        FleetLedger ledger = new FleetLedger(PREFIX, 1000, 2);
        for (int i = 0; i < 1000; i++) {
            for (int r = 0; r < 2; r++) {
                ledger.sent(i, r);
                if (i != 999) { // the PUBACK of identity 999 never came, twice
                    ledger.acked(i, r);
                }
            }
        }
        LossAudit audit = new LossAudit(ledger);
        PayloadFormat[] formats = PayloadFormat.values();
        for (int i = 0; i < 1000; i++) {
            for (int r = 0; r < 2; r++) {
                audit.record(payload(formats[(i + r) % 3], i, r));
            }
        }
        audit.record(payload(PayloadFormat.BINARY, 5, 1)); // a redelivery
        audit.record(payload(PayloadFormat.JSON, 5, 1)); // the same message in another format is still the same
        audit.record(PayloadFormat.BINARY.encode("t", "other-1", 1, FleetLedger.runTag("other-"), 0, 1L, 0));
        audit.record(PayloadFormat.JSON.encode("t", "other-1", 1, 0, 0, 1L, 0)); // another run's identity
        audit.record(payload(PayloadFormat.JSON, 1, 7)); // a round this run never had
        audit.record("{\"something\":\"else\"}".getBytes());

        LossAudit.Result r = audit.result();
        assertTrue(r.passed(), r.toString());
        assertEquals(1998, r.acknowledged());
        assertEquals(2000, r.sent());
        assertEquals(0, r.missing());
        assertEquals(0, r.absent());
        assertEquals(2, r.duplicates());
        assertEquals(2, r.unackedPresent());
        assertEquals(4, r.foreign());
        assertEquals(2006, r.records());
    }

    @Test
    void acknowledgedButAbsent_failsTheAudit_withExactlyThoseMissing() {
        FleetLedger ledger = new FleetLedger(PREFIX, 100, 3);
        for (int i = 0; i < 100; i++) {
            for (int r = 0; r < 3; r++) {
                ledger.sent(i, r);
                ledger.acked(i, r);
            }
        }
        ledger.sent(42, 2); // sent twice: still one message
        LossAudit audit = new LossAudit(ledger);
        for (int i = 0; i < 100; i++) {
            for (int r = 0; r < 3; r++) {
                if (!(r == 1 && i % 10 == 0) && !(r == 2 && i == 99)) {
                    audit.record(payload(PayloadFormat.LINE, i, r));
                }
            }
        }
        LossAudit.Result r = audit.result();
        assertFalse(r.passed(), r.toString());
        assertEquals(11, r.missing(), r.toString());
        assertEquals(11, r.absent());
        assertTrue(r.toString().startsWith("loss audit FAILED: 300 acknowledged"), r.toString());
    }

    @Test
    void unacknowledgedTransport_reportsPresentAndAbsent_withoutClaimingLossFreedom() {
        FleetLedger ledger = new FleetLedger(PREFIX, 10, 1);
        for (int i = 0; i < 10; i++) {
            ledger.sent(i, 0);
        }
        LossAudit audit = new LossAudit(ledger);
        for (int i = 0; i < 7; i++) {
            audit.record(payload(PayloadFormat.LINE, i, 0));
        }
        LossAudit.Result r = audit.result();
        assertEquals(0, r.acknowledged());
        assertEquals(7, r.present());
        assertEquals(3, r.absent());
        assertTrue(r.presenceSummary().contains("cannot show that nothing was lost"), r.presenceSummary());
        assertTrue(r.presenceSummary().contains("10 sent, 7 present, 3 absent"), r.presenceSummary());
    }

    @Test
    void tenMillionIdentities_costAbout2_5MBPerRound_andAuditInMemory() {
        int n = 10_000_000;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        FleetLedger ledger = new FleetLedger(PREFIX, n, 2);
        for (int i = 0; i < n; i++) {
            ledger.sent(i, 0);
            ledger.acked(i, 0);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("FleetLedger, 10,000,000 identities, 1 of 2 rounds used: bytes() %,d, allocated %,d%n",
                ledger.bytes(), allocated);
        // two bit sets of 10M bits = 2,500,000 bytes, plus a few headers
        assertTrue(ledger.bytes() >= 2_500_000 && ledger.bytes() < 2_500_200, "bytes() " + ledger.bytes());
        assertTrue(allocated < 2_600_000, "allocated " + allocated + " bytes: nothing per identity");
        assertEquals(n, ledger.ackedCount());

        Ledger.Presence p = ledger.presence();
        for (int i = 0; i < n; i++) {
            if (i % 1_000_000 != 0) {
                assertEquals(Ledger.Found.ACKED, p.found(new Reading.MessageId(null, 0, TAG, i)));
            }
        }
        assertEquals(Ledger.Found.DUPLICATE, p.found(new Reading.MessageId(PREFIX + "0000001", 0)));
        assertEquals(10, p.missing(), "identities 0, 1M, ... 9M were never found");
        assertEquals(10, p.absent());
    }
}
