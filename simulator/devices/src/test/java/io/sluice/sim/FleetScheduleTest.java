package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetScheduleTest {
    private static final List<InetAddress> LOCAL = SourceAddresses.parse("127.0.0.1");

    private static FleetSpec steady(int identities, int connections, double interval, double duration) {
        return new FleetSpec(FleetSpec.Transport.MQTT, "127.0.0.1", 1883, identities, connections,
                FleetSpec.Mode.STEADY, interval, duration, 1, 16, 1, PayloadFormat.JSON, 128, 5, LOCAL, 1000, "fx-",
                "temperature");
    }

    private static FleetSpec burst(FleetSpec.Transport t, int identities, int connections, int bursts) {
        return new FleetSpec(t, "127.0.0.1", 1883, identities, connections, FleetSpec.Mode.BURST, 1, 1, bursts, 16,
                t == FleetSpec.Transport.LINE_UDP ? 0 : 1,
                t == FleetSpec.Transport.LINE_UDP ? PayloadFormat.LINE : PayloadFormat.JSON, 128, 5, LOCAL, 1000,
                "fx-", "temperature");
    }

    @Test
    void identityI_isServedByConnectionIModM_andEachConnectionPublishesItsIdentitiesInDueOrder() {
        FleetSpec s = burst(FleetSpec.Transport.MQTT, 10, 3, 2);
        assertEquals(List.of(4, 3, 3), List.of(s.identitiesOn(0), s.identitiesOn(1), s.identitiesOn(2)));
        List<Long> ofConnection1 = new ArrayList<>();
        for (long j = 0; j < s.messagesOn(1, s.totalMessages()); j++) {
            ofConnection1.add(s.message(1, j));
        }
        // identities 1, 4, 7 in round 0 (k = identity), then again in round 1 (k = 10 + identity)
        assertEquals(List.of(1L, 4L, 7L, 11L, 14L, 17L), ofConnection1);
        for (int i = 0; i < 10; i++) {
            assertEquals(i % 3, s.connectionOf(i));
        }
    }

    @Test
    void everyMessageOfTheRun_belongsToExactlyOneConnection() {
        for (int[] nm : new int[][] {{1, 1}, {7, 7}, {1000, 7}, {20_000, 20}, {12_345, 100}}) {
            FleetSpec s = steady(nm[0], nm[1], 1, 2.5); // two and a half rounds: the last one partial
            long total = s.totalMessages();
            assertEquals(Math.round(nm[0] * 2.5), total);
            boolean[] seen = new boolean[(int) total];
            for (int c = 0; c < nm[1]; c++) {
                long previous = -1;
                for (long j = 0; j < s.messagesOn(c, total); j++) {
                    long k = s.message(c, j);
                    assertTrue(k > previous, "a connection's messages come in due order");
                    assertEquals(c, s.connectionOf((int) (k % nm[0])));
                    assertTrue(!seen[(int) k], "message " + k + " once");
                    seen[(int) k] = true;
                    previous = k;
                }
            }
            for (int k = 0; k < total; k++) {
                assertTrue(seen[k], "message " + k + " of " + nm[0] + "/" + nm[1]);
            }
        }
    }

    @Test
    void steady_spreadsTheFleetEvenlyOverTheInterval_forTheDuration() {
        FleetSpec s = steady(1000, 10, 10, 25); // 100 msg/s offered
        assertEquals(0, s.dueNanos(0));
        assertEquals(10_000_000, s.dueNanos(1), "10 s / 1,000 identities");
        assertEquals(9_990_000_000L, s.dueNanos(999));
        assertEquals(10_000_000_000L, s.dueNanos(1000), "identity 0 again one interval later");
        assertEquals(2500, s.totalMessages(), "everything due before 25 s");
        assertEquals(24_990_000_000L, s.dueNanos(2499));
        assertEquals(3, s.rounds());
    }

    @Test
    void steady_tenMillionIdentities_oncePerMinute_is166667PerSecond_withoutOverflow() {
        FleetSpec s = steady(10_000_000, 10_000, 60, 180);
        assertEquals(30_000_000, s.totalMessages());
        assertEquals(3, s.rounds());
        assertEquals(6_000, s.dueNanos(1), "60 s / 10M = 6 us apart");
        assertEquals(59_999_994_000L, s.dueNanos(9_999_999));
        assertEquals(120_000_000_000L, s.dueNanos(20_000_000));
        assertEquals(1_000, s.identitiesOn(9_999));
        assertEquals(3_000, s.messagesOn(9_999, s.totalMessages()));

        // a day's interval: i * interval passes 2^63; the due time is still exact
        FleetSpec daily = steady(10_000_000, 10_000, 86_400, 86_400);
        assertEquals(86_399_991_360_000L, daily.dueNanos(9_999_999));
    }

    @Test
    void burst_isOneMessagePerIdentityPerBurst() {
        FleetSpec s = burst(FleetSpec.Transport.MQTT, 20_000, 20, 3);
        assertEquals(60_000, s.totalMessages());
        assertEquals(3, s.rounds());
        assertEquals(3_000, s.messagesOn(7, s.totalMessages()));
        assertEquals("fx-07777", s.identityName(7777));
        assertEquals("sensors/fx-00000/temperature", s.topic(0));
    }

    @Test
    void impossibleSpecs_areRefused_withTheOptionNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> burst(FleetSpec.Transport.MQTT, 10, 11, 1))
                .getMessage().contains("--connections"));
        // the MQTT-SN gateway keeps 256 topics per client, one per identity here
        String sn = assertThrows(IllegalArgumentException.class,
                () -> burst(FleetSpec.Transport.MQTT_SN, 10_000_000, 1000, 1)).getMessage();
        assertTrue(sn.contains("--connections >= 39063"), sn);
        burst(FleetSpec.Transport.MQTT_SN, 10_000_000, 39_063, 1);
        assertThrows(IllegalArgumentException.class, () -> new FleetSpec(FleetSpec.Transport.LINE_UDP, "h", 1, 10, 1,
                FleetSpec.Mode.BURST, 1, 1, 1, 1, 0, PayloadFormat.JSON, 0, 5, LOCAL, 1, "fx-", "t"));
    }

    @Test
    void sourceAddresses_listsAndRanges_connectionCUsesAddressCModCount() throws Exception {
        List<InetAddress> a = SourceAddresses.parse("127.0.0.1-127.0.0.8");
        assertEquals(8, a.size());
        assertEquals(InetAddress.getByName("127.0.0.8"), a.get(7));
        assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.254"),
                        InetAddress.getByName("127.0.0.255"), InetAddress.getByName("127.0.1.0"), InetAddress.getByName("10.0.0.9")),
                SourceAddresses.parse("127.0.0.1, 127.0.0.254-127.0.1.0,10.0.0.9"));
        FleetSpec s = new FleetSpec(FleetSpec.Transport.MQTT, "h", 1, 100, 10, FleetSpec.Mode.BURST, 1, 1, 1, 1, 1,
                PayloadFormat.JSON, 0, 5, a, 1, "fx-", "t");
        assertEquals(InetAddress.getByName("127.0.0.3"), s.sourceAddress(2));
        assertEquals(InetAddress.getByName("127.0.0.2"), s.sourceAddress(9));
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("127.0.0.8-127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("300.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("10.0.0.0-10.1.0.0"));
    }
}
