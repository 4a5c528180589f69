package io.sluice.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The harness's secured client listener, against a real broker: SASL_PLAINTEXT with PLAIN (SASL_SSL with SCRAM is
 * what the daemon's SecuredKafkaIT runs on). The right login works for every client; a wrong one is refused.
 */
class KafkaSecurityTest {

    @Test
    void saslPlain_theClusterUserProducesAndReads_aWrongPasswordIsRefused() throws Exception {
        KafkaSecurity security = KafkaSecurity.saslPlaintext(KafkaSecurity.PLAIN, "meter", "s3cret");
        try (KafkaCluster cluster = KafkaCluster.start(1, security)) {
            assertEquals("SASL_PLAINTEXT", cluster.clientProperties().get("security.protocol"));
            cluster.createTopic("secured", 1, 1, 1);
            Properties p = new Properties();
            p.putAll(cluster.clientProperties());
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("secured", "k", new byte[] {7})).get(30, TimeUnit.SECONDS);
            }
            var records = KafkaRecords.readAll(cluster.bootstrapServers(), cluster.clientProperties(), "secured",
                    Duration.ofSeconds(30));
            assertEquals(1, records.size());
            assertArrayEquals(new byte[] {7}, records.get(0).value());

            Properties wrong = new Properties();
            wrong.putAll(cluster.clientProperties("meter", "not-the-password"));
            wrong.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
            wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
            wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
            try (Admin admin = Admin.create(wrong)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
                assertInstanceOf(SaslAuthenticationException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("Authentication failed"), e.getCause().getMessage());
            }
        }
    }

    @Test
    void mechanismOtherThanScramOrPlain_isRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> KafkaSecurity.saslSsl("GSSAPI", "u", "p"));
        assertTrue(e.getMessage().contains("SCRAM-SHA-512"), e.getMessage());
        assertEquals(Map.of(), KafkaSecurity.none().clientProperties("u", "p", null));
    }
}
