package io.sluice.daemon.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.daemon.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice topics ensure} creates the topics as asked, is idempotent, and reports what differs. */
class TopicsEnsureIT {

    @Test
    void ensure_createsTopicsWithPartitionsAndMinIsr_thenReportsThemAsExpected_andFlagsADifference(@TempDir Path dir)
            throws Exception {
        TestKafka kafka = TestKafka.shared();
        Path config = dir.resolve("sluice.yaml");
        String yaml = kafka.daemonYaml("ensure", 1883);
        Files.writeString(config, yaml);
        String topic = kafka.readingsTopicOf(yaml);

        String[] first = run("topics", "ensure", "--config", config.toString(), "--partitions", "6",
                "--replication-factor", "1", "--min-insync-replicas", "1");
        assertEquals("0", first[0], first[1] + first[2]);
        assertTrue(first[1].contains("topic '" + topic + "' created"), first[1]);

        var admin = kafka.admin();
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        assertEquals(6, d.partitions().size());
        ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Map<ConfigResource, org.apache.kafka.clients.admin.Config> configs =
                admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS);
        ConfigEntry minIsr = configs.get(res).get("min.insync.replicas");
        assertEquals("1", minIsr.value());

        String[] again = run("topics", "ensure", "--config", config.toString(), "--partitions", "6",
                "--replication-factor", "1", "--min-insync-replicas", "1");
        assertEquals("0", again[0], again[1] + again[2]);
        assertTrue(again[1].contains("topic '" + topic + "' exists as expected"), again[1]);

        String[] differs = run("topics", "ensure", "--config", config.toString(), "--partitions", "12",
                "--replication-factor", "1", "--min-insync-replicas", "1");
        assertEquals("1", differs[0], differs[1] + differs[2]);
        assertTrue(differs[1].contains("differs"), differs[1]);
    }

    private static String[] run(String... args) {
        CliRun r = CliRun.sluice(args);
        return new String[] {Integer.toString(r.exit()), r.out(), r.err()};
    }
}
