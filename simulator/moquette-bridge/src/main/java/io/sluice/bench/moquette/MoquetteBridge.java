package io.sluice.bench.moquette;

import io.moquette.BrokerConstants;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The QoS 1 benchmark's naive bridge peer: Moquette embedded, persistence off, with a {@link KafkaForwarder} that
 * sends every PUBLISH to Kafka with the producer settings given on the command line (the benchmark passes Sluice's
 * own: acks=all, idempotent, lz4, same linger and batch). Runs until SIGTERM, then stops Moquette, flushes and
 * closes the producer and prints the forwarder's counts.
 *
 * <p>Usage: {@code MoquetteBridge HOST PORT KAFKA_TOPIC name=value...} where each {@code name=value} is a producer
 * property ({@code bootstrap.servers} at least).
 */
public final class MoquetteBridge {
    private MoquetteBridge() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: MoquetteBridge HOST PORT KAFKA_TOPIC bootstrap.servers=... [name=value...]");
            System.exit(2);
        }
        Properties producerProps = new Properties();
        for (String kv : List.of(args).subList(3, args.length)) {
            int eq = kv.indexOf('=');
            if (eq < 1) {
                System.err.println("not a producer property name=value: " + kv);
                System.exit(2);
            }
            producerProps.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Producer<String, byte[]> producer =
                new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer());
        KafkaForwarder forwarder = new KafkaForwarder(producer, args[2]);

        Properties config = new Properties();
        config.put(BrokerConstants.HOST_PROPERTY_NAME, args[0]);
        config.put(BrokerConstants.PORT_PROPERTY_NAME, args[1]);
        config.put(BrokerConstants.ALLOW_ANONYMOUS_PROPERTY_NAME, "true");
        config.put(BrokerConstants.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        config.put(BrokerConstants.NETTY_EPOLL_PROPERTY_NAME, "true"); // Sluice uses epoll too
        config.put(BrokerConstants.NETTY_TCP_NODELAY_PROPERTY_NAME, "true");
        config.put(BrokerConstants.ENABLE_TELEMETRY_NAME, "false"); // it would phone home at start-up
        config.put(BrokerConstants.WEB_SOCKET_PORT_PROPERTY_NAME, BrokerConstants.DISABLED_PORT_BIND);
        Server server = new Server();
        server.startServer(new MemoryConfig(config), List.of(forwarder));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stopServer(); // drains the interceptor pool (up to 10 s) before it returns
            producer.close(Duration.ofSeconds(20)); // bounded: the benchmark kills us after 30 s anyway
            System.out.println("moquette bridge stopped: " + forwarder.counts());
            stopped.countDown();
        }, "moquette-bridge-stop"));
        System.out.println("moquette bridge listening on " + args[0] + ":" + args[1] + ", forwarding to Kafka topic "
                + args[2] + " (" + producerProps.getProperty("bootstrap.servers") + ")");
        stopped.await();
    }
}
