package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FleetCommandTest {
    private static FleetSpec spec(String... args) {
        FleetCommand command = new FleetCommand();
        new CommandLine(command).parseArgs(args);
        return command.spec();
    }

    @Test
    void options_becomeTheSpec_withEachTransportsDefaultPort() {
        FleetSpec s = spec("--identities", "10000000", "--connections", "1000", "--mode", "burst", "--bursts", "3",
                "--format", "binary", "--source-addresses", "127.0.0.1-127.0.0.8", "--window", "32");
        assertEquals(FleetSpec.Transport.MQTT, s.transport());
        assertEquals(1883, s.port());
        assertEquals(10_000_000, s.identities());
        assertEquals(30_000_000L, s.totalMessages());
        assertEquals(8, s.sourceAddresses().size());
        assertEquals(32, s.window());
        assertEquals(PayloadFormat.BINARY, s.format());
        assertEquals(1884, spec("--transport", "mqtt-sn", "--identities", "2560", "--connections", "10").port());
        FleetSpec udp = spec("--transport", "line-udp", "--format", "line");
        assertEquals(8089, udp.port());
        assertEquals(0, udp.qos(), "nothing to acknowledge");
        assertTrue(!udp.acknowledged());
    }

    @Test
    void badValues_areUsageErrors_naming_theOption() {
        assertTrue(assertThrows(CommandLine.ParameterException.class, () -> spec("--mode", "trickle"))
                .getMessage().contains("--mode"));
        assertTrue(assertThrows(CommandLine.ParameterException.class, () -> spec("--transport", "coap"))
                .getMessage().contains("--transport"));
        assertTrue(assertThrows(CommandLine.ParameterException.class, () -> spec("--transport", "line-udp"))
                .getMessage().contains("--format line"));
        assertTrue(assertThrows(CommandLine.ParameterException.class,
                () -> spec("--source-addresses", "127.0.0.9-127.0.0.1")).getMessage().contains("backwards"));
    }

    @Test
    void theFleetIsASubcommandOfSluiceSim() {
        assertTrue(new CommandLine(new SimCommand()).getSubcommands().containsKey("fleet"));
    }
}
