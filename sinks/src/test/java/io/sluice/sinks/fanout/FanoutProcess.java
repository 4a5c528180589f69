package io.sluice.sinks.fanout;

import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.TimePrecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fan-out in a child JVM of its own, so a test can kill it with SIGKILL mid-run. The child runs {@link #main} with
 * the test classpath: args are bootstrap, topic, group, dead-letter topic, TSDB url, batch points, and optionally
 * an InfluxDB 1.x database to write to through the v1 write API (else the v2 API).
 */
final class FanoutProcess {
    static final MappingRule RULE = new MappingRule("sensors/{device}/{measurement}", null, PayloadFormat.JSON, null,
            "ts", TimePrecision.MS, "_", Map.of("site", "lab"));

    private FanoutProcess() {
    }

    /** {@code v1Database}: null for the v2 write API. */
    static Process start(String bootstrap, String topic, String group, String deadLetter, String url, int batch,
                         String v1Database, Path log) {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), FanoutProcess.class.getName(),
                bootstrap, topic, group, deadLetter, url, Integer.toString(batch)));
        if (v1Database != null) {
            cmd.add(v1Database);
        }
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        FanoutConfig cfg = FanoutConfig.of(args[0], args[1], args[4], "sluice", List.of(RULE))
                .withGroupAndDeadLetter(args[2], args[3]).withBatch(Integer.parseInt(args[5]), 100)
                .withConsumerProperties(KafkaFanoutIT.FAST_GROUP);
        if (args.length > 6) {
            cfg = cfg.withInfluxV1(new FanoutConfig.InfluxV1(args[6], "", "", ""));
        }
        KafkaFanout.start(cfg).awaitStopped(); // runs until the test kills this process
    }

}
