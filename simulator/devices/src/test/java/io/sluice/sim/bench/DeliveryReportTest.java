package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class DeliveryReportTest {
    private static DeliveryReport.Row row(String server, String round, long delivered, double serverCpu,
                                          double brokerCpu) {
        Histogram h = new Histogram(1_000_000, 3);
        h.recordValue(2_000);
        return new DeliveryReport.Row(server, "1->1", "closed", round,
                new DeliveryLoad.Result(delivered, delivered, delivered, 10, h, 0, 0, 0), serverCpu, brokerCpu, 1, 3.0);
    }

    @Test
    void deliveriesPerCpuSecondCountTheBrokerOnlyWhenThereIsOne() {
        DeliveryReport.Row sluice = row("sluice", "r1 warm", 100_000, 4, 1);
        DeliveryReport.Row mosquitto = row("mosquitto", "r1 warm", 100_000, 5, -1);
        assertEquals(25_000, sluice.perServerCpuSecond());
        assertEquals(20_000, sluice.perCpuSecondWithBroker());
        assertEquals(20_000, mosquitto.perCpuSecondWithBroker());
        assertTrue(sluice.line().contains("| 10,000 |"), sluice.line());
        assertFalse(sluice.line().contains("undelivered"), sluice.line());
    }

    @Test
    void ratiosAreTakenOverTheWarmRoundsOnly() {
        List<DeliveryReport.Row> rows = List.of(row("sluice", "r0 cold", 10_000, 10, 0),
                row("mosquitto", "r0 cold", 100_000, 1, -1), row("sluice", "r1 warm", 100_000, 4, 1),
                row("mosquitto", "r1 warm", 100_000, 5, -1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DeliveryReport(rows, 0).print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("1->1 closed loop, warm rounds: deliveries/s Sluice 10,000, Mosquitto 10,000"
                + " (ratio 1.00); deliveries per CPU-s Sluice 25,000 (with broker 20,000), Mosquitto 20,000;"
                + " ratio Sluice/Mosquitto 1.25 (with broker 1.00; target >= 1)"), printed);
    }

    @Test
    void aRunWithoutWarmRoundsSaysSo() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DeliveryReport(List.of(row("sluice", "r0 cold", 10_000, 1, 1), row("mosquitto", "r0 cold", 10_000, 1, -1)),
                0).print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("1->1 closed loop, cold round only: deliveries/s Sluice 1,000"), printed);
    }
}
