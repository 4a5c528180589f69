package io.sluice.sim.bench;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import io.sluice.daemon.internal.Logging;
import io.sluice.sinks.Decoded;
import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutStats;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.Point;
import io.sluice.sinks.Reading;
import io.sluice.sinks.TimePrecision;
import io.sluice.sinks.fanout.ReadingDecoder;
import io.sluice.sinks.kafka.KafkaFanout;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.QuestDbServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import okhttp3.OkHttpClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-fanout}: the fan-out's points/s against a plain program writing the same points to the
 * same QuestDB with the InfluxDB client's blocking API, in one run, alternating. The readings are produced to a
 * local Kafka once, as the daemon writes them (JSON payloads, Sluice's headers); the plain writer gets the very
 * lines the fan-out's decoder makes of them, prebuilt in memory, so its run is the TSDB's write path alone.
 * Each round writes to fresh tables (DEDUP on timestamp and tag, as the docs advise) and waits for the exact count.
 */
@Command(name = "bench-fanout", mixinStandardHelpOptions = true,
        description = "Fan-out (Kafka -> QuestDB) points/s against a plain blocking writer of the same points.")
public final class FanoutBenchCommand implements Callable<Integer> {
    @Option(names = "--points", description = "readings (one point each) (default ${DEFAULT-VALUE})")
    int points = 500_000;
    @Option(names = "--devices", description = "device ids, one tag value each (default ${DEFAULT-VALUE})")
    int devices = 1000;
    @Option(names = "--partitions", description = "partitions of the readings topic (default ${DEFAULT-VALUE})")
    int partitions = 4;
    @Option(names = "--batch", description = "points per write, both writers (default ${DEFAULT-VALUE})")
    int batch = 5000;
    @Option(names = "--workers", description = "fan-out members (default ${DEFAULT-VALUE})")
    int workers = 1;
    @Option(names = "--rounds", description = "plain/fan-out rounds (default ${DEFAULT-VALUE})")
    int rounds = 3;

    private static final long BASE_MS = 1_767_225_600_000L; // 2026-01-01

    @Override
    public Integer call() throws Exception {
        Logging.configure("warn", "text");
        System.out.printf("bench-fanout: %,d points from %,d devices, %d partitions, batches of %,d, %d fan-out"
                + " member(s), %d round(s), %d core(s)%n", points, devices, partitions, batch, workers, rounds,
                Runtime.getRuntime().availableProcessors());
        boolean exact = true;
        try (KafkaCluster kafka = KafkaCluster.start(1); QuestDbServer tsdb = QuestDbServer.start()) {
            String topic = "bench.readings";
            kafka.createTopic(topic, partitions, 1, 1);
            kafka.createTopic("bench.deadletter", 1, 1, 1);
            List<byte[][]> records = produce(kafka.bootstrapServers(), topic);
            double[] plainRates = new double[rounds];
            double[] fanoutRates = new double[rounds];
            System.out.println("round  writer  start s  acked s  visible s  points/s (start excl.)  this JVM cpu s"
                    + "  QuestDB cpu s");
            for (int r = 1; r <= rounds; r++) {
                String plainTable = "plain_r" + r;
                String fanTable = "fanout_r" + r;
                tsdb.createTable(plainTable, List.of("device"), List.of("temp DOUBLE", "hum DOUBLE"));
                tsdb.createTable(fanTable, List.of("device"), List.of("temp DOUBLE", "hum DOUBLE"));
                List<String> lines = lines(records, plainTable);
                Result plain = plain(tsdb, plainTable, lines);
                exact &= plain.print(r, "plain", points);
                Result fan = fanout(kafka.bootstrapServers(), topic, tsdb, fanTable, r);
                exact &= fan.print(r, "fan-out", points);
                plainRates[r - 1] = plain.rate(points);
                fanoutRates[r - 1] = fan.rate(points);
            }
            double plainMedian = median(plainRates);
            double fanMedian = median(fanoutRates);
            System.out.printf("median points/s: plain %,.0f, fan-out %,.0f; fan-out / plain = %.2f (target 0.9)%n",
                    plainMedian, fanMedian, fanMedian / plainMedian);
        }
        System.out.println(exact ? "every round: exact row counts" : "SOME ROUND DID NOT REACH ITS EXACT COUNT");
        return exact ? 0 : 1;
    }

    /** Writes the readings to Kafka as the daemon would; returns {key, topic header, payload} of each. */
    private List<byte[][]> produce(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        List<byte[][]> out = new ArrayList<>(points);
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < points; i++) {
                String device = String.format("dev-%05d", i % devices);
                String mqttTopic = "sensors/" + device + "/climate";
                long ts = BASE_MS + i / devices; // distinct (device, ts) for every reading
                byte[] payload = ("{\"ts\":" + ts + ",\"temp\":" + (15 + i % 200 / 10.0) + ",\"hum\":"
                        + (30 + i % 500 / 10.0) + "}").getBytes(StandardCharsets.UTF_8);
                byte[] key = device.getBytes(StandardCharsets.UTF_8);
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, key, payload);
                rec.headers().add("sluice.topic", mqttTopic.getBytes(StandardCharsets.UTF_8));
                rec.headers().add("sluice.received_ns", Long.toString(ts * 1_000_000L).getBytes(StandardCharsets.UTF_8));
                rec.headers().add("sluice.protocol", "mqtt".getBytes(StandardCharsets.UTF_8));
                producer.send(rec);
                out.add(new byte[][] {key, mqttTopic.getBytes(StandardCharsets.UTF_8), payload});
            }
            producer.flush();
        }
        System.out.printf("produced %,d readings to Kafka in %.1f s%n", points, (System.nanoTime() - t0) / 1e9);
        return out;
    }

    private static MappingRule rule(String measurement) {
        return new MappingRule("sensors/{device}/#", measurement, PayloadFormat.JSON, null, "ts", TimePrecision.MS,
                null, Map.of());
    }

    /** The lines the fan-out's decoder makes of the readings, for the plain writer. */
    private List<String> lines(List<byte[][]> records, String table) {
        ReadingDecoder decoder = new ReadingDecoder(List.of(rule(table)));
        List<String> lines = new ArrayList<>(records.size());
        for (byte[][] r : records) {
            Decoded d = decoder.decode(new Reading(new String(r[1], StandardCharsets.UTF_8),
                    new String(r[0], StandardCharsets.UTF_8), r[2], 0, Map.of()));
            for (Point pt : ((Decoded.Points) d).points()) {
                lines.add(pt.line());
            }
        }
        return lines;
    }

    private Result plain(QuestDbServer tsdb, String table, List<String> lines) {
        InfluxDBClientOptions options = InfluxDBClientOptions.builder().url(tsdb.url()).org("sluice").bucket("bench")
                .authenticateToken(new char[0]).okHttpClient(new OkHttpClient.Builder()
                        .readTimeout(Duration.ofSeconds(30)).writeTimeout(Duration.ofSeconds(30)))
                .build();
        double cpu0 = ProcCpu.self();
        double q0 = ProcCpu.seconds(tsdb.pid());
        long t0 = System.nanoTime();
        try (InfluxDBClient client = InfluxDBClientFactory.create(options)) {
            WriteApiBlocking api = client.getWriteApiBlocking();
            for (int i = 0; i < lines.size(); i += batch) {
                api.writeRecords(WritePrecision.NS, lines.subList(i, Math.min(lines.size(), i + batch)));
            }
        }
        long acked = System.nanoTime() - t0;
        boolean exact = awaitCount(tsdb, table);
        return new Result(acked, System.nanoTime() - t0, ProcCpu.self() - cpu0, ProcCpu.seconds(tsdb.pid()) - q0,
                exact, 0);
    }

    private Result fanout(String bootstrap, String topic, QuestDbServer tsdb, String table, int round)
            throws Exception {
        FanoutConfig config = FanoutConfig.of(bootstrap, topic, tsdb.url(), "bench", List.of(rule(table)))
                .withGroupAndDeadLetter("bench-fanout-r" + round, "bench.deadletter").withBatch(batch, 200);
        double cpu0 = ProcCpu.self();
        double q0 = ProcCpu.seconds(tsdb.pid());
        long t0 = System.nanoTime();
        List<KafkaFanout> members = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            members.add(KafkaFanout.start(config));
        }
        // done when the rows are all there: with several members a rebalance re-reads uncommitted records, so
        // the members' written counts may pass the point count before every point is in
        long acked;
        long firstWrite = -1;
        boolean exact;
        long visible;
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (firstWrite < 0 && System.nanoTime() < deadline) {
                if (members.stream().mapToLong(m -> m.stats().pointsWritten()).sum() > 0) {
                    firstWrite = System.nanoTime() - t0;
                }
                Thread.sleep(1); // benchmark polling, not a test
            }
            // poll the members' own counters (cheap) until they wrote every point, and only then ask the TSDB by SQL:
            // counting rows every few milliseconds during the run would load QuestDB and this JVM, which the plain
            // writer's run (counted after its writes) does not pay
            while (members.stream().mapToLong(m -> m.stats().pointsWritten()).sum() < points
                    && System.nanoTime() < deadline) {
                Thread.sleep(10); // benchmark polling, not a test
            }
            acked = System.nanoTime() - t0;
            exact = awaitCount(tsdb, table);
            visible = System.nanoTime() - t0;
        } finally {
            members.forEach(KafkaFanout::close);
        }
        long dead = members.stream().map(KafkaFanout::stats).mapToLong(FanoutStats::deadLettered).sum();
        return new Result(acked, visible, ProcCpu.self() - cpu0, ProcCpu.seconds(tsdb.pid()) - q0,
                exact && dead == 0, Math.max(0, firstWrite));
    }

    private boolean awaitCount(QuestDbServer tsdb, String table) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (tsdb.count(table) >= points) {
                return tsdb.count(table) == points;
            }
            try {
                Thread.sleep(20); // rows appear asynchronously (WAL apply)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** One writer's run: write-acknowledged and rows-visible times, CPU of this JVM and of QuestDB. */
    private record Result(long ackedNanos, long visibleNanos, double cpu, double questCpu, boolean exact,
                          long startNanos) {
        /** Points per second from the first write (the fan-out's consumer start excluded) to the rows visible. */
        double rate(int points) {
            return points / ((visibleNanos - startNanos) / 1e9);
        }

        boolean print(int round, String writer, int points) {
            System.out.printf("%5d  %-7s %7.2f %8.2f %10.2f %,22.0f %15.1f %14.1f%s%n", round, writer,
                    startNanos / 1e9, ackedNanos / 1e9, visibleNanos / 1e9, rate(points), cpu, questCpu,
                    exact ? "" : "  (count not exact!)");
            return exact;
        }
    }
}
