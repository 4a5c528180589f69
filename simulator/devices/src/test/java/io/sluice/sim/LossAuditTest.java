package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossAuditTest {

    @Test
    void everyAcknowledgedMessagePresent_passes_andCountsDuplicatesAndUnacked() {
        AckLedger ledger = new AckLedger();
        for (int seq = 0; seq < 3; seq++) {
            ledger.sent("dev-1", seq);
            ledger.acked("dev-1", seq);
        }
        ledger.sent("dev-1", 3); // written but the PUBACK was lost
        LossAudit audit = new LossAudit(ledger);
        for (int seq = 0; seq < 4; seq++) {
            audit.record(Reading.json("dev-1", seq, 0, 64));
        }
        audit.record(Reading.json("dev-1", 1, 0, 64)); // a retransmission
        audit.record("not a reading".getBytes());

        LossAudit.Result r = audit.result();
        assertTrue(r.passed(), r.toString());
        assertEquals(3, r.acknowledged());
        assertEquals(0, r.missing());
        assertEquals(1, r.duplicates());
        assertEquals(1, r.unackedPresent());
        assertEquals(1, r.foreign());
    }

    @Test
    void acknowledgedButAbsent_failsTheAudit() {
        AckLedger ledger = new AckLedger();
        ledger.acked("dev-1", 0);
        ledger.acked("dev-1", 1);
        ledger.acked("dev-2", 0);
        LossAudit audit = new LossAudit(ledger);
        audit.record(Reading.json("dev-1", 0, 0, 64));

        LossAudit.Result r = audit.result();
        assertFalse(r.passed());
        assertEquals(2, r.missing());
    }

    @Test
    void aTombstone_isAForeignRecord_notAReading() {
        AckLedger ledger = new AckLedger();
        ledger.acked("dev-1", 0);
        LossAudit audit = new LossAudit(ledger);
        audit.record(null); // a compacted topic's deletion, as the sessions topic holds for presence records
        audit.record(Reading.json("dev-1", 0, 0, 64));

        LossAudit.Result r = audit.result();
        assertTrue(r.passed(), r.toString());
        assertEquals(1, r.foreign());
    }

    @Test
    void readingPayload_roundTrips_atTheRequestedSize() {
        byte[] p = Reading.json("dev-000042", 123456, 1700000000000L, 256);
        assertEquals(256, p.length);
        assertEquals(new Reading.MessageId("dev-000042", 123456), Reading.parse(p));
    }
}
