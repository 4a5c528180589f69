package io.sluice.sim.bench;

import io.sluice.daemon.internal.LogIngest;
import io.sluice.daemon.internal.Logging;
import io.sluice.daemon.internal.RecordHeaders;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Protocols;
import io.sluice.sinks.Decoded;
import io.sluice.sinks.FanoutConfig;
import io.sluice.sinks.FanoutStats;
import io.sluice.sinks.HeaderLayout;
import io.sluice.sinks.LogHeader;
import io.sluice.sinks.ReadingHeader;
import io.sluice.sinks.MappingRule;
import io.sluice.sinks.PayloadFormat;
import io.sluice.sinks.Point;
import io.sluice.sinks.Reading;
import io.sluice.sinks.TimePrecision;
import io.sluice.sinks.fanout.ReadingDecoder;
import io.sluice.sinks.fanout.KafkaFanout;
import io.sluice.stack.KafkaCluster;
import io.sluice.stack.InfluxDbServer;
import io.sluice.stack.QuestDbServer;
import io.sluice.stack.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sluice-sim bench-fanout}: the fan-out's points/s against a plain program writing the same points to the
 * same QuestDB with the InfluxDB client's blocking API, in one run, alternating. The readings are produced to a
 * local Kafka once, as the daemon writes them (JSON payloads, Sluice's headers); the plain writer gets the very
 * lines the fan-out's decoder makes of them, prebuilt in memory, so its run is the TSDB's write path alone; it runs in
 * a JVM of its own ({@link PlainTsdbWriter}), as the fan-out does when deployed.
 * Each round writes to fresh tables (DEDUP on timestamp and tag, as the docs advise) and waits for the exact count.
 */
@Command(name = "bench-fanout", mixinStandardHelpOptions = true,
        description = "Fan-out (Kafka -> QuestDB) points/s against a plain blocking writer of the same points.")
public final class FanoutBenchCommand implements Callable<Integer> {
    @Option(names = "--points", description = "readings (one point each) (default ${DEFAULT-VALUE})")
    int points = 500_000;
    @Option(names = "--devices", description = "device ids, one tag value each; the readings go round the devices"
            + " and their timestamps advance a millisecond every " + MAX_PER_MS + " readings (every round of the devices"
            + " when there are fewer) (default ${DEFAULT-VALUE})")
    int devices = 1000;
    /**
     * Readings that share a millisecond. A fleet does not report all at once: with one millisecond per round of
     * 100,000 devices, every batch would land inside a millisecond the TSDB already holds up to 100,000 rows of,
     * which QuestDB merges (deduplicating) instead of appending: that measures the TSDB's merge, not the writers.
     */
    static final int MAX_PER_MS = 1000;
    @Option(names = "--partitions", description = "partitions of the readings topic (default ${DEFAULT-VALUE})")
    int partitions = 4;
    @Option(names = "--batch", description = "points per write, both writers (default ${DEFAULT-VALUE})")
    int batch = 5000;
    @Option(names = "--workers", description = "fan-out members (default ${DEFAULT-VALUE})")
    int workers = 1;
    @Option(names = "--rounds", description = "measured plain/fan-out rounds (default ${DEFAULT-VALUE})")
    int rounds = 3;
    @Option(names = "--warmup", description = "rounds before those, printed but left out of the medians, so the "
            + "JIT has settled (default ${DEFAULT-VALUE})")
    int warmup = 1;
    /** How the processes are spread over the machine's first two CPUs (Linux taskset). */
    enum Pin {
        /** Nothing pinned. */
        none,
        /** QuestDB on CPU 0; the writers' JVMs and the Kafka broker on CPU 1: the TSDB has a core of its own. */
        tsdb,
        /** The writers' JVMs on CPU 1; QuestDB and the broker on CPU 0: the writer has a core of its own. */
        writer
    }

    @Option(names = "--pin", arity = "0..1", fallbackValue = "tsdb", paramLabel = "tsdb|writer",
            description = "tsdb (the default when given alone): QuestDB on CPU 0, the writers' JVMs and the Kafka"
                    + " broker on CPU 1, as if the TSDB had its own machine; writer: the writers' JVMs on CPU 1,"
                    + " QuestDB and the broker"
                    + " on CPU 0, as if the writer under test had its own machine (Linux taskset)")
    Pin pin = Pin.none;
    @Option(names = "--questdb-conf", split = ";", paramLabel = "KEY=VALUE",
            description = "extra lines for QuestDB's server.conf, ';'-separated (e.g. worker spin settings)")
    List<String> questdbConf = new ArrayList<>();
    @Option(names = "--tsdb", description = "the TSDB every writer writes to: questdb (v2 write API) or influxdb"
            + " (Debian's influxd, InfluxDB 1.x, through its v1 write API) (default ${DEFAULT-VALUE})")
    String tsdbKind = "questdb";
    @Option(names = "--questdb-heap", paramLabel = "SIZE", description = "QuestDB's JVM heap limit, as -Xmx takes it"
            + " (default ${DEFAULT-VALUE}; a million devices, a million tag values per table, need about 4g)")
    String questdbHeap = QuestDbServer.DEFAULT_MAX_HEAP;
    @Option(names = "--questdb-info-log", description = "let QuestDB log at INFO (about five lines per write it"
            + " applies); by default it logs advisories and errors only")
    boolean questdbInfoLog;
    /** Kafka's compression types (their names are the producer's {@code compression.type} values). */
    enum Compression {
        lz4, none, zstd, gzip, snappy
    }

    @Option(names = "--compression", description = "compression of the readings in the log: ${COMPLETION-CANDIDATES}"
            + " (default ${DEFAULT-VALUE}, what Sluice's log writes by default)")
    Compression compression = Compression.lz4;
    /** kafka.record_headers, spelled as in the config. */
    enum Headers {
        compact, full
    }

    @Option(names = "--record-headers", description = "the header layout the records carry, as the daemon writes it"
            + " with kafka.record_headers: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, the daemon's default)")
    Headers recordHeaders = Headers.compact;
    @Option(names = "--also-full", description = "also run the fan-out (and the --consume-only reader) in every round"
            + " over the same readings written with the full header layout: both layouts measured in one run")
    boolean alsoFull;
    @Option(names = "--consumer-baseline", description = "also run a naive Kafka-to-TSDB consumer each round")
    boolean consumerBaseline;
    @Option(names = "--consume-only", description = "also time a Kafka consumer that reads each record's topic header"
            + " and payload and does nothing else: what any Kafka-fed writer pays before decoding or writing")
    boolean consumeOnly;
    @Option(names = "--relay-baseline", description = "also run, in a JVM of its own, the least any Kafka-fed writer"
            + " does: read the round from the log (topic header and payload, as --consume-only) and write the plain"
            + " writer's prebuilt lines as the records arrive, nothing decoded or ordered: the ceiling of a writer that"
            + " reads the log")
    boolean relayBaseline;
    @Option(names = "--consumer-property", paramLabel = "KEY=VALUE", description = "a Kafka consumer property for the"
            + " fan-out (as the config's fan-out consumer properties give it), e.g. max.poll.records=2000; repeatable")
    Map<String, String> consumerProperties = new java.util.LinkedHashMap<>();
    @Option(names = "--threads", description = "after each run, the writer JVM's (and QuestDB's) CPU seconds by thread"
            + " name")
    boolean threads;

    @Spec
    CommandSpec spec;

    private static final long BASE_MS = 1_767_225_600_000L; // 2026-01-01
    private static final byte[] NODE = "sluice-1".getBytes(StandardCharsets.UTF_8);

    @Override
    public Integer call() throws Exception {
        for (Map.Entry<String, Integer> o : Map.of("--points", points, "--devices", devices, "--partitions",
                partitions, "--batch", batch, "--workers", workers, "--rounds", rounds).entrySet()) {
            if (o.getValue() < 1) {
                throw new ParameterException(spec.commandLine(), o.getKey() + " must be at least 1, not "
                        + o.getValue());
            }
        }
        if (alsoFull && recordHeaders == Headers.full) {
            throw new ParameterException(spec.commandLine(), "--also-full compares with the compact layout: drop"
                    + " --record-headers full");
        }
        if (!questdbHeap.matches("[0-9]+[kmgKMG]?")) {
            throw new ParameterException(spec.commandLine(), "--questdb-heap takes a size such as 768m or 4g, not '"
                    + questdbHeap + "'");
        }
        if (!tsdbKind.equals("questdb") && !tsdbKind.equals("influxdb")) {
            throw new ParameterException(spec.commandLine(), "--tsdb takes questdb or influxdb, not '" + tsdbKind
                    + "'");
        }
        if (warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--warmup must be 0 or more, not " + warmup);
        }
        for (String line : questdbConf) {
            if (!line.matches("[A-Za-z0-9_.]+=.*")) {
                throw new ParameterException(spec.commandLine(), "--questdb-conf takes KEY=VALUE lines, not '"
                        + line + "'");
            }
        }
        Logging.configure("warn", "text");
        System.out.printf("bench-fanout: %,d points from %,d devices, %d partitions, batches of %,d, %d fan-out"
                + " member(s), %d round(s) after %d warm-up, %d core(s), log compression %s, %s%n", points, devices,
                partitions, batch, workers, rounds, warmup, Runtime.getRuntime().availableProcessors(), compression,
                recordHeaders == Headers.compact ? "the daemon's compact header (one per record)"
                        : "the daemon's full headers (six per record)");
        boolean exact = true;
        Path dir = Files.createTempDirectory("sluice-bench-fanout-");
        // what is started below is closed in reverse, before the broker and QuestDB stop (resources close last first)
        try (KafkaCluster kafka = KafkaCluster.start(1); BenchTsdb tsdb = tsdbKind.equals("influxdb")
                ? BenchTsdb.influxDb(InfluxDbServer.start())
                : BenchTsdb.questDb(QuestDbServer.start(questdbConf, !questdbInfoLog, questdbHeap));
             Closer open = new Closer()) {
            System.out.println("TSDB: " + tsdb.name());
            String topic = "bench.readings";
            String fullTopic = topic + ".full";
            if (!questdbConf.isEmpty()) {
                System.out.println("QuestDB server.conf additions: " + String.join(", ", questdbConf));
            }
            kafka.createTopic(topic, partitions, 1, 1);
            kafka.createTopic("bench.deadletter", 1, 1, 1);
            if (alsoFull) {
                kafka.createTopic(fullTopic, partitions, 1, 1);
            }
            for (String table : List.of("plain", "fanout", "fanfull", "naive", "relay")) {
                tsdb.createTable(table);
            }
            PlainTsdbWriter plainWriter = PlainTsdbWriter.start(tsdb.target(), batch, dir, "plain-writer");
            open.add(plainWriter);
            PlainTsdbWriter relayWriter = relayBaseline
                    ? PlainTsdbWriter.start(tsdb.target(), batch, dir, "relay-writer") : null;
            if (relayWriter != null) {
                open.add(relayWriter);
            }
            Feed feed = new Feed(kafka, topic, layout(recordHeaders));
            open.add(feed);
            Feed fullFeed = alsoFull ? new Feed(kafka, fullTopic, HeaderLayout.FULL) : null;
            if (fullFeed != null) {
                open.add(fullFeed);
            }
            // the fan-out runs as a daemon runs it: members that start once and then take each round's readings as
            // they are committed to the log, so no round pays a consumer's start or the JIT recompiling its code
            List<KafkaFanout> members = startMembers(kafka, tsdb, topic, "fanout", "bench-fanout", open);
            List<KafkaFanout> fullMembers = alsoFull
                    ? startMembers(kafka, tsdb, fullTopic, "fanfull", "bench-fanfull", open) : List.of();
            if (pin != Pin.none) {
                String brokerCpu = pin == Pin.tsdb ? "1" : "0";
                pin(tsdb.pid(), "0");
                for (long pid : kafka.pids()) {
                    pin(pid, brokerCpu);
                }
                pin(ProcessHandle.current().pid(), "1");
                pin(plainWriter.pid(), "1");
                if (relayWriter != null) {
                    pin(relayWriter.pid(), "1");
                }
                System.out.println("pinned: " + tsdb.name() + " to CPU 0, both writers' JVMs to CPU 1, the Kafka broker to CPU "
                        + brokerCpu);
            }
            double[][] full = new double[4][rounds]; // fan-out rate, fan-out CPU, read rate, read CPU (--also-full)
            double[] plainRates = new double[rounds];
            double[] fanoutRates = new double[rounds];
            double[] naiveRates = new double[rounds];
            double[] plainCpu = new double[rounds];
            double[] fanoutCpu = new double[rounds];
            double[] naiveCpu = new double[rounds];
            double[] readCpu = new double[rounds];
            double[] readRates = new double[rounds];
            double[] roundRatios = new double[rounds];
            double[] relayRates = new double[rounds];
            double[] relayCpu = new double[rounds];
            System.out.println("round  writer  start s  acked s  visible s  points/s (start excl.)  writer JVM cpu s"
                    + "  " + tsdb.name() + " cpu s  Kafka cpu s");
            for (int r = 1; r <= warmup + rounds; r++) {
                String label = r <= warmup ? "w" + r : Integer.toString(r - warmup);
                long total = (long) r * points; // each table holds every round's points so far
                // each round's readings are later than the last round's: every writer appends, none overwrites
                long tsBase = BASE_MS + (r - 1L) * (points / Math.min(devices, MAX_PER_MS) + 1);
                Path file = dir.resolve("round-" + r + ".records");
                PlainTsdbWriter.writeRecords(file, feed.stage(tsBase, this));
                if (fullFeed != null) {
                    fullFeed.stage(tsBase, this);
                }
                plainWriter.prepare("plain", file);
                if (relayWriter != null) {
                    relayWriter.prepare("relay", file);
                }
                Files.delete(file);
                System.gc();
                Result plain = ownJvm(kafka, tsdb, plainWriter, "plain", total, plainWriter::write);
                exact &= plain.print(label, "plain", points, threads);
                System.gc();
                Result fan = fanout(kafka, tsdb, members, feed, "fanout", total);
                exact &= fan.print(label, "fan-out", points, threads);
                Result fanFull = null;
                if (fullFeed != null) {
                    System.gc();
                    fanFull = fanout(kafka, tsdb, fullMembers, fullFeed, "fanfull", total);
                    exact &= fanFull.print(label, "fan-full", points, threads);
                }
                Result naive = null;
                if (consumerBaseline) {
                    System.gc();
                    naive = naiveConsumer(kafka, feed, tsdb, "naive", total);
                    exact &= naive.print(label, "naive", points, threads);
                }
                Result relay = null;
                if (relayWriter != null) {
                    // from placing the relay's consumer at the round's start, which the fan-out's run has committed
                    relay = ownJvm(kafka, tsdb, relayWriter, "relay", total,
                            () -> relayWriter.relay(kafka.bootstrapServers(), feed.start));
                    exact &= relay.print(label, "relay", points, threads);
                }
                Result read = null;
                if (consumeOnly) {
                    System.gc();
                    read = consumeOnly(kafka, feed);
                    exact &= read.print(label, "read", points, threads);
                }
                Result readFull = null;
                if (consumeOnly && fullFeed != null) {
                    System.gc();
                    readFull = consumeOnly(kafka, fullFeed);
                    exact &= readFull.print(label, "readfull", points, threads);
                }
                if (r > warmup) {
                    int i = r - warmup - 1;
                    plainRates[i] = plain.rate(points);
                    fanoutRates[i] = fan.rate(points);
                    roundRatios[i] = fanoutRates[i] / plainRates[i];
                    plainCpu[i] = plain.cpuPerMillion(points);
                    fanoutCpu[i] = fan.cpuPerMillion(points);
                    if (naive != null) {
                        naiveRates[i] = naive.rate(points);
                        naiveCpu[i] = naive.cpuPerMillion(points);
                    }
                    if (relay != null) {
                        relayRates[i] = relay.rate(points);
                        relayCpu[i] = relay.cpuPerMillion(points);
                    }
                    if (read != null) {
                        readRates[i] = read.rate(points);
                        readCpu[i] = read.cpuPerMillion(points);
                    }
                    if (fanFull != null) {
                        full[0][i] = fanFull.rate(points);
                        full[1][i] = fanFull.cpuPerMillion(points);
                    }
                    if (readFull != null) {
                        full[2][i] = readFull.rate(points);
                        full[3][i] = readFull.cpuPerMillion(points);
                    }
                }
            }
            double plainMedian = median(plainRates);
            double fanMedian = median(fanoutRates);
            System.out.printf("median points/s: plain %,.0f, fan-out %,.0f; fan-out / plain = %.2f (target 0.9)%n",
                    plainMedian, fanMedian, fanMedian / plainMedian);
            System.out.printf("fan-out / plain round by round: %s; median %.2f%n", Arrays.stream(roundRatios)
                    .mapToObj(x -> String.format("%.2f", x)).collect(java.util.stream.Collectors.joining(" ")),
                    median(roundRatios));
            System.out.printf("median CPU s per million points, writer's JVM + TSDB + broker: plain %.2f, fan-out %.2f"
                    + "%s%n", median(plainCpu), median(fanoutCpu),
                    consumerBaseline ? String.format(", naive consumer %.2f", median(naiveCpu)) : "");
            if (consumerBaseline) {
                double naiveMedian = median(naiveRates);
                System.out.printf("median points/s: naive consumer %,.0f; fan-out / naive consumer = %.2f%n",
                        naiveMedian, fanMedian / naiveMedian);
            }
            if (relayWriter != null) {
                double relayMedian = median(relayRates);
                System.out.printf("relay (the log read, prebuilt lines written: the ceiling of a Kafka-fed writer):"
                        + " %,.0f points/s, %.2f CPU s per million; relay / plain = %.2f, fan-out / relay = %.2f%n",
                        relayMedian, median(relayCpu), relayMedian / plainMedian, fanMedian / relayMedian);
            }
            if (consumeOnly) {
                System.out.printf("consuming the log alone (no decoding, no writes): %,.0f records/s, %.2f CPU s per"
                        + " million (this JVM + broker)%n", median(readRates), median(readCpu));
            }
            if (alsoFull) {
                System.out.printf("full headers, same rounds: fan-out %,.0f points/s, fan-out / plain = %.2f, %.2f CPU s"
                        + " per million%s%n", median(full[0]), median(full[0]) / plainMedian, median(full[1]),
                        consumeOnly ? String.format("; consuming alone %,.0f records/s, %.2f CPU s per million",
                                median(full[2]), median(full[3])) : "");
            }
        } finally {
            TempDirs.delete(dir);
        }
        System.out.println(exact ? "every round: exact row counts" : "SOME ROUND DID NOT REACH ITS EXACT COUNT");
        return exact ? 0 : 1;
    }

    /** Closes what was added, last first; a failure to close is reported and the rest still closed. */
    private static final class Closer implements AutoCloseable {
        private final List<AutoCloseable> open = new ArrayList<>();

        void add(AutoCloseable c) {
            open.add(c);
        }

        @Override
        public void close() {
            for (int i = open.size() - 1; i >= 0; i--) {
                try {
                    open.get(i).close();
                } catch (Exception e) {
                    System.err.println("closing: " + e);
                }
            }
            open.clear();
        }
    }

    private static HeaderLayout layout(Headers h) {
        return h == Headers.compact ? HeaderLayout.COMPACT : HeaderLayout.FULL;
    }

    /**
     * The log the writers read, fed round by round: each round's readings are written in one Kafka transaction that
     * stays open (invisible to the fan-out, which reads committed records only) until the fan-out's run starts.
     */
    private static final class Feed implements AutoCloseable {
        final String topic;
        final HeaderLayout layout;
        final KafkaProducer<byte[], byte[]> producer;
        final KafkaConsumer<byte[], byte[]> offsets;
        final List<TopicPartition> partitions = new ArrayList<>();
        /** Where the staged round starts in each partition (the baselines read from here). */
        Map<TopicPartition, Long> start = Map.of();

        Feed(KafkaCluster kafka, String topic, HeaderLayout layout) {
            this.topic = topic;
            this.layout = layout;
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
            p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-feed-" + topic);
            p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000");
            this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions();
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            this.offsets = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            for (var info : offsets.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }

        /** Writes a round's readings in a transaction left open; returns {key, MQTT topic, payload} of each. */
        List<byte[][]> stage(long tsBase, FanoutBenchCommand bench) throws Exception {
            start = offsets.endOffsets(partitions);
            producer.beginTransaction();
            List<byte[][]> records = bench.produce(producer, topic, layout, tsBase);
            producer.flush();
            return records;
        }

        /** Makes the staged round visible to the readers. */
        void commit() {
            producer.commitTransaction();
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10));
            offsets.close();
        }
    }

    /** Sends the readings as the daemon would write them; returns {key, MQTT topic, payload} of each. */
    private List<byte[][]> produce(KafkaProducer<byte[], byte[]> producer, String topic, HeaderLayout layout,
                                   long tsBase) {
        List<byte[][]> out = new ArrayList<>(points);
        for (int i = 0; i < points; i++) {
            String device = String.format("dev-%05d", i % devices);
            String mqttTopic = "sensors/" + device + "/climate";
            // distinct (device, ts) for every reading: readings of one device are at least `devices` apart, and that
            // many readings span at least one millisecond
            long ts = tsBase + i / Math.min(devices, MAX_PER_MS);
            byte[] payload = ("{\"ts\":" + ts + ",\"temp\":" + (15 + i % 200 / 10.0) + ",\"hum\":"
                    + (30 + i % 500 / 10.0) + "}").getBytes(StandardCharsets.UTF_8);
            byte[] key = device.getBytes(StandardCharsets.UTF_8);
            ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, key, payload);
            // the headers the daemon writes for an MQTT 5 QoS 1 PUBLISH, made by the daemon's own code
            Envelope reading = new Envelope(device, mqttTopic, payload, Protocols.MQTT, "5", 1,
                    ts * 1_000_000L, null, List.of(), null);
            for (LogHeader h : LogIngest.toRecord(reading, NODE, layout).headers()) {
                rec.headers().add(h.name(), h.value());
            }
            producer.send(rec);
            out.add(new byte[][] {key, mqttTopic.getBytes(StandardCharsets.UTF_8), payload});
        }
        return out;
    }

    /** {@code workers} fan-out members reading {@code topic} as group {@code group} into {@code table}. */
    private List<KafkaFanout> startMembers(KafkaCluster kafka, BenchTsdb tsdb, String topic, String table,
                                           String group, Closer open) {
        String url = tsdb.target().startsWith(BenchLines.V1) ? tsdb.target().substring(BenchLines.V1.length())
                : tsdb.target();
        FanoutConfig config = tsdb.writeHere(FanoutConfig.of(kafka.bootstrapServers(), topic, url,
                        BenchLines.DATABASE, List.of(rule(table)))
                .withGroupAndDeadLetter(group, "bench.deadletter").withBatch(batch, 200)
                .withConsumerProperties(consumerProperties));
        List<KafkaFanout> members = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            KafkaFanout m = KafkaFanout.start(config);
            members.add(m);
            open.add(m::close);
        }
        return members;
    }

    private static MappingRule rule(String measurement) {
        return new MappingRule("sensors/{device}/#", measurement, PayloadFormat.JSON, null, "ts", TimePrecision.MS,
                null, Map.of());
    }

    /** The lines the fan-out's decoder makes of the readings, for the plain writer. */
    static List<String> lines(List<byte[][]> records, String table) {
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

    /** What a writer's JVM is told to do for one run; returns once the TSDB acknowledged its last batch. */
    private interface WriterRun {
        void run() throws IOException;
    }

    /**
     * A run of a writer in its own JVM whose lines were made before, outside the timing (the plain writer, the
     * relay): from telling it to start to the rows visible in {@code table}.
     */
    private static Result ownJvm(KafkaCluster kafka, BenchTsdb tsdb, PlainTsdbWriter writer, String table,
                                 long total, WriterRun run) throws IOException {
        Meter meter = new Meter(kafka, tsdb, writer.pid());
        long t0 = System.nanoTime();
        run.run();
        long acked = System.nanoTime() - t0;
        String threadCpu = meter.threads();
        boolean exact = awaitCount(tsdb, table, total);
        return meter.result(acked, System.nanoTime() - t0, exact, 0, threadCpu);
    }

    /** The fan-out's run: from committing the staged round to the members having written it and the rows visible. */
    private Result fanout(KafkaCluster kafka, BenchTsdb tsdb, List<KafkaFanout> members, Feed feed, String table,
                          long total) throws InterruptedException {
        long writtenBefore = sum(members, FanoutStats::pointsWritten);
        long deadBefore = sum(members, FanoutStats::deadLettered);
        long batchesBefore = sum(members, FanoutStats::batches);
        Meter meter = new Meter(kafka, tsdb, ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        feed.commit();
        long firstWrite = -1;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (firstWrite < 0 && System.nanoTime() < deadline) {
            if (sum(members, FanoutStats::pointsWritten) > writtenBefore) {
                firstWrite = System.nanoTime() - t0;
            }
            Thread.sleep(1); // benchmark polling, not a test
        }
        // poll the members' own counters (cheap) until they wrote every point, and only then ask the TSDB by SQL:
        // counting rows every few milliseconds during the run would load QuestDB and this JVM, which the plain
        // writer's run (counted after its writes) does not pay
        while (sum(members, FanoutStats::pointsWritten) - writtenBefore < points && System.nanoTime() < deadline) {
            Thread.sleep(10); // benchmark polling, not a test
        }
        long acked = System.nanoTime() - t0;
        String threadCpu = meter.threads() + "; batches: " + (sum(members, FanoutStats::batches) - batchesBefore);
        boolean exact = awaitCount(tsdb, table, total);
        long visible = System.nanoTime() - t0;
        long dead = sum(members, FanoutStats::deadLettered) - deadBefore;
        return meter.result(acked, visible, exact && dead == 0, Math.max(0, firstWrite), threadCpu);
    }

    private static long sum(List<KafkaFanout> members, java.util.function.ToLongFunction<FanoutStats> counter) {
        long n = 0;
        for (KafkaFanout m : members) {
            n += counter.applyAsLong(m.stats());
        }
        return n;
    }

    /**
     * A naive Kafka-to-TSDB bridge, as one would write it without Sluice: polls, decodes each record with the same
     * decoder, writes with the same blocking client once it has a batch, and commits what it polled after each
     * write. No time order across partitions, no per-point outcome, no dead letters, one thread. It reads the
     * round's records from where the round starts in each partition.
     */
    private Result naiveConsumer(KafkaCluster kafka, Feed feed, BenchTsdb tsdb, String table, long total) {
        ReadingDecoder decoder = new ReadingDecoder(List.of(rule(table)));
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-naive");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Meter meter = new Meter(kafka, tsdb, ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        long firstRecord = -1;
        String threadCpu;
        try (BenchLines api = BenchLines.open(tsdb.target());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                     new ByteArrayDeserializer())) {
            consumer.assign(feed.partitions);
            feed.start.forEach(consumer::seek);
            List<String> lines = new ArrayList<>(batch);
            long written = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (written < points && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
                if (firstRecord < 0 && !polled.isEmpty()) {
                    firstRecord = System.nanoTime() - t0;
                }
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    byte[] mqttTopic = topicOf(rec);
                    if (decoder.decode(mqttTopic, rec.value(), rec.timestamp() * 1_000_000L)
                            instanceof Decoded.Points ps) {
                        ps.points().forEach(pt -> lines.add(pt.line()));
                    }
                }
                if (lines.size() >= batch || (polled.isEmpty() && !lines.isEmpty())) {
                    api.write(lines);
                    written += lines.size();
                    lines.clear();
                    consumer.commitSync();
                }
            }
            threadCpu = meter.threads();
        }
        long acked = System.nanoTime() - t0;
        boolean exact = awaitCount(tsdb, table, total);
        return meter.result(acked, System.nanoTime() - t0, exact, Math.max(0, firstRecord), threadCpu);
    }

    /**
     * Reads the round's records once as the fan-out's consumer thread must before it decodes anything: polls, takes
     * the topic header and the payload, and keeps nothing. Counts records (the row count the table prints is this
     * count).
     */
    private Result consumeOnly(KafkaCluster kafka, Feed feed) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // as the fan-out reads
        Meter meter = new Meter(kafka, null, ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        long firstRecord = -1;
        long read = 0;
        long bytes = 0;
        String threadCpu;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(feed.partitions);
            feed.start.forEach(consumer::seek);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (read < points && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
                if (firstRecord < 0 && !polled.isEmpty()) {
                    firstRecord = System.nanoTime() - t0;
                }
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    bytes += topicOf(rec).length + rec.value().length;
                    read++;
                }
            }
            threadCpu = meter.threads();
        }
        long took = System.nanoTime() - t0;
        return meter.result(took, took, read == points && bytes > 0, Math.max(0, firstRecord), threadCpu);
    }

    /**
     * The MQTT topic of a record in either header layout (empty when it has none), looked up as the fan-out does:
     * from the first header on, stopping at the first that holds it.
     */
    static byte[] topicOf(ConsumerRecord<byte[], byte[]> rec) {
        for (Header h : rec.headers()) {
            String key = h.key();
            if (key.equals(ReadingHeader.KEY)) {
                byte[] v = h.value();
                int at = ReadingHeader.topicStart(v);
                return at < 0 ? new byte[0] : Arrays.copyOfRange(v, at, v.length);
            }
            if (key.equals(RecordHeaders.TOPIC)) {
                return h.value();
            }
        }
        return new byte[0];
    }

    /** Waits until {@code table} holds {@code total} rows; false if it holds more, or not that many in time. */
    private static boolean awaitCount(BenchTsdb tsdb, String table, long total) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (tsdb.count(table) >= total) {
                return tsdb.count(table) == total;
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

    /** Every thread of {@code pid} (and the threads they start later) onto the CPUs {@code cpus}. */
    private static void pin(long pid, String cpus) throws Exception {
        Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("taskset could not pin pid " + pid + " to CPU " + cpus);
        }
    }

    private static double brokerCpu(KafkaCluster kafka) {
        return kafka.pids().stream().mapToDouble(ProcCpu::seconds).sum();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * CPU of the writer's JVM (in all and by thread), QuestDB (when given) and the broker from the start of one run.
     */
    private static final class Meter {
        private final KafkaCluster kafka;
        private final BenchTsdb tsdb;
        private final long writerPid;
        private final double self;
        private final double quest;
        private final double broker;
        private final Map<String, Double> threads;
        private final Map<String, Double> questThreads;

        Meter(KafkaCluster kafka, BenchTsdb tsdb, long writerPid) {
            this.kafka = kafka;
            this.tsdb = tsdb;
            this.writerPid = writerPid;
            this.self = ProcCpu.seconds(writerPid);
            this.threads = ProcCpu.byThread(writerPid);
            this.quest = tsdb == null ? 0 : ProcCpu.seconds(tsdb.pid());
            this.questThreads = tsdb == null ? Map.of() : ProcCpu.byThread(tsdb.pid());
            this.broker = brokerCpu(kafka);
        }

        /** The writer JVM's CPU by thread name since the start (take it while the run's threads are alive). */
        String threads() {
            return ProcCpu.delta(threads, ProcCpu.byThread(writerPid)) + (tsdb == null ? "" : "; " + tsdb.name() + ": "
                    + ProcCpu.delta(questThreads, ProcCpu.byThread(tsdb.pid())));
        }

        Result result(long ackedNanos, long visibleNanos, boolean exact, long startNanos, String threadCpu) {
            double questNow = tsdb == null ? 0 : ProcCpu.seconds(tsdb.pid()) - quest;
            return new Result(ackedNanos, visibleNanos, ProcCpu.seconds(writerPid) - self, questNow,
                    brokerCpu(kafka) - broker, exact, startNanos, threadCpu);
        }
    }

    /** One writer's run: write-acknowledged and rows-visible times, CPU of its JVM, QuestDB and the broker. */
    private record Result(long ackedNanos, long visibleNanos, double cpu, double questCpu, double kafkaCpu,
                          boolean exact, long startNanos, String threadCpu) {
        /** Points per second from the first write (the fan-out's consumer start excluded) to the rows visible. */
        double rate(int points) {
            return points / ((visibleNanos - startNanos) / 1e9);
        }

        /** CPU seconds of the writer's JVM, QuestDB and the broker per million points. */
        double cpuPerMillion(int points) {
            return (cpu + questCpu + kafkaCpu) * 1e6 / points;
        }

        boolean print(String round, String writer, int points, boolean threads) {
            System.out.printf("%5s  %-8s%7.2f %8.2f %10.2f %,22.0f %17.1f %14.1f %12.1f%s%n", round, writer,
                    startNanos / 1e9, ackedNanos / 1e9, visibleNanos / 1e9, rate(points), cpu, questCpu, kafkaCpu,
                    exact ? "" : "  (count not exact!)");
            if (threads) {
                System.out.println("       threads: " + threadCpu);
            }
            return exact;
        }
    }
}
