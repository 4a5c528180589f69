package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import io.sluice.stack.KafkaCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bench-qos1 --tls}: QoS 1 at a fixed offered rate over TLS 1.3 against Sluice (with its Kafka broker) and
 * Mosquitto, and the same load over plain TCP in the same run, so the TLS overhead of each server shows. One
 * process per server serves both listeners (Mosquitto: {@code listener} with certfile/keyfile beside the plain one;
 * Sluice: {@code mqtt_tls} beside {@code mqtt}), both on the same certificate, protocol and cipher
 * ({@link BenchTlsPki}). The load generator is bench-qos1's own (HiveMQ clients, the same devices, window and
 * payload), given the CA. Per round the four listeners run in rotating order; the first round after the warm-up is
 * reported but the summary leaves it out when there are more (the JIT is still at work in it). Runs on one thread.
 */
final class TlsQos1Runs implements Callable<Integer> {
    static final String READINGS = "bench.readings";

    private final Qos1BenchCommand bench;
    private final Path dir;

    TlsQos1Runs(Qos1BenchCommand bench, Path dir) {
        this.bench = bench;
        this.dir = dir;
    }

    @Override
    public Integer call() throws Exception {
        if (bench.rate <= 0) {
            throw new IllegalArgumentException("--tls measures at a fixed rate: give --rate above 0");
        }
        // Mosquitto started as root drops to its own user, which must pass through the bench directory too
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        // one INFO line per HiveMQ client: BoringSSL offers every TLS 1.3 suite whatever it is asked for
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.netty.handler.ssl"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        BenchTlsPki pki = BenchTlsPki.make(tlsDir);
        MqttClientSslConfig client = pki.clientConfig();
        int perDevice = (int) Math.max(1, Math.round(bench.rate * bench.rateSeconds / bench.devices));
        List<TlsQos1Report.Run> rows = new ArrayList<>();
        int mosquittoTls = Qos1BenchCommand.freePort();
        int sluiceTls = Qos1BenchCommand.freePort();
        List<String> mosquittoLines = new ArrayList<>(List.of("allow_anonymous true"));
        mosquittoLines.addAll(pki.mosquittoListener(mosquittoTls));
        try (KafkaCluster kafka = KafkaCluster.start(1);
             ServerUnderTest mosquitto = ServerUnderTest.mosquitto(dir, Qos1BenchCommand.freePort(), mosquittoLines);
             ServerUnderTest sluice = ServerUnderTest.sluice(dir, Qos1BenchCommand.freePort(),
                     kafka.bootstrapServers(), READINGS, pki.sluiceListener(sluiceTls))) {
            System.out.printf("TLS as negotiated with openssl s_client: Mosquitto %s; Sluice %s%n",
                    pki.negotiated(mosquittoTls), pki.negotiated(sluiceTls));
            Qos1BenchCommand.Tally readings = new Qos1BenchCommand.Tally(kafka, READINGS);
            List<Qos1BenchCommand.Peer> peers = List.of(
                    new Qos1BenchCommand.Peer(mosquitto, "mosquitto", mosquitto.port, null, null),
                    new Qos1BenchCommand.Peer(mosquitto, TlsQos1Report.tls("mosquitto"), mosquittoTls, client, null),
                    new Qos1BenchCommand.Peer(sluice, "sluice", sluice.port, null, readings),
                    new Qos1BenchCommand.Peer(sluice, TlsQos1Report.tls("sluice"), sluiceTls, client, readings));
            for (Qos1BenchCommand.Peer peer : peers) {
                bench.run(kafka, peer, "warm", bench.messages / 4, 0); // JIT and connection warm-up, not reported
            }
            for (int r = 0; r < bench.rounds; r++) {
                for (int i = 0; i < peers.size(); i++) { // rotating order: no listener always runs first
                    Qos1BenchCommand.Peer peer = peers.get((i + r) % peers.size());
                    rows.add(new TlsQos1Report.Run(r + 1, bench.run(kafka, peer, "o" + r, perDevice, bench.rate)));
                }
            }
        }
        TlsQos1Report report = new TlsQos1Report(rows, bench.rounds, bench.rate);
        report.print(System.out);
        return report.sluiceLostMessages() ? 1 : 0;
    }
}
