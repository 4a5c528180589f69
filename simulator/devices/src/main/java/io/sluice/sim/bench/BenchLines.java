package io.sluice.sim.bench;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.domain.WritePrecision;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * How the benchmark's own writers (plain, relay, naive consumer) send a batch of lines, blocking until the TSDB
 * answered: through the InfluxDB client's blocking v2 API, or, for a target spelled {@code v1:URL}, a plain JDK HTTP
 * POST to InfluxDB 1.x's {@code /write?db=bench}, as a program without Sluice would write to it. Not thread-safe.
 */
interface BenchLines extends AutoCloseable {
    String V1 = "v1:";
    /** The database (v1) or bucket (v2) every benchmark writer writes to. */
    String DATABASE = "bench";

    /** Writes the lines; throws when the TSDB did not take them all. */
    void write(List<String> lines);

    @Override
    void close();

    /** A writer to {@code target}: a base URL (v2 API) or {@code v1:} and a base URL (v1 API). */
    static BenchLines open(String target) {
        if (target.startsWith(V1)) {
            return new V1Lines(target.substring(V1.length()));
        }
        InfluxDBClient client = InfluxDBClientFactory.create(PlainTsdbWriter.clientOptions(target));
        var api = client.getWriteApiBlocking();
        return new BenchLines() {
            @Override
            public void write(List<String> lines) {
                api.writeRecords(WritePrecision.NS, lines);
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    /** POST /write?db=bench&precision=ns with the JDK client; a non-2xx answer throws. */
    final class V1Lines implements BenchLines {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final URI uri;

        V1Lines(String url) {
            this.uri = URI.create(url + "/write?precision=ns&db=" + DATABASE);
        }

        @Override
        public void write(List<String> lines) {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(String.join("\n", lines))).build();
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new IllegalStateException("InfluxDB answered " + r.statusCode() + ": " + r.body());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            http.close();
        }
    }
}
