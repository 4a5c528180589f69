package io.sluice.sim.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordedClasspathTest {
    @Test
    void moquetteBridgeClasspath_startsWithTheBridgeClasses_andHoldsMoquetteOnNetty41() {
        List<String> entries = List.of(RecordedClasspath.withOwnClasses("/io/sluice/bench/moquette/bridge.classpath",
                "simulator/moquette-bridge").split(File.pathSeparator));
        Path own = Path.of(entries.get(0));
        assertTrue(Files.isDirectory(own) ? Files.exists(own.resolve("io/sluice/bench/moquette/MoquetteBridge.class"))
                : own.getFileName().toString().startsWith("sluice-moquette-bridge"), own.toString());
        assertTrue(entries.stream().anyMatch(e -> e.contains("moquette-broker")), entries.toString());
        assertTrue(entries.stream().anyMatch(e -> e.contains("netty-codec-mqtt-4.1.")), entries.toString());
        assertFalse(entries.stream().anyMatch(e -> e.contains("netty-codec-mqtt-4.2.")), entries.toString());
    }

    @Test
    void ourOwnClasspath_holdsNoMoquette() {
        assertFalse(System.getProperty("java.class.path").contains("moquette-broker"));
    }

    @Test
    void kafkaToolsClasspath_holdsProducerPerformance() {
        assertTrue(RecordedClasspath.of("/io/sluice/bench/kafka-tools.classpath", "simulator/kafka-tools-runtime")
                .contains("kafka-tools-"));
        assertFalse(ProducerPerformanceRun.version().equals("?"));
    }
}
