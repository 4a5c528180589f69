package io.sluice.sinks.downlink.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.delivery.Origin;
import io.sluice.delivery.Receipt;
import org.junit.jupiter.api.Test;

class ReceiptJsonTest {

    @Test
    void anAckedReceipt_isOneJsonObject_withoutAReason() {
        Receipt r = new Receipt("dev-42", Receipt.Outcome.ACKED, null,
                new Origin("sluice.downlink", 3, 17, "dev-42"), "cmd/dev-42/valve", 1, "node-a", 1_765_000_000_000L);

        assertEquals("{\"client_id\":\"dev-42\",\"outcome\":\"acked\",\"topic\":\"cmd/dev-42/valve\",\"qos\":1,"
                + "\"origin\":{\"topic\":\"sluice.downlink\",\"partition\":3,\"offset\":17,\"key\":\"dev-42\"},"
                + "\"node\":\"node-a\",\"at_ms\":1765000000000}", new String(ReceiptJson.encode(r), UTF_8));
    }

    @Test
    void aDrop_namesItsReason_aRecordWithoutKeyHasNone_andTextIsEscaped() {
        Receipt r = new Receipt("dev \"1\"\\\n", Receipt.Outcome.DROPPED, "delivery_too_large_for_client",
                new Origin("cmds", 0, 0, null), "a/\u0001/\u00e9", 0, "n", 5);

        assertEquals("{\"client_id\":\"dev \\\"1\\\"\\\\\\n\",\"outcome\":\"dropped\","
                + "\"reason\":\"delivery_too_large_for_client\",\"topic\":\"a/\\u0001/\u00e9\",\"qos\":0,"
                + "\"origin\":{\"topic\":\"cmds\",\"partition\":0,\"offset\":0},\"node\":\"n\",\"at_ms\":5}",
                new String(ReceiptJson.encode(r), UTF_8));
    }
}
