package io.sluice.sinks.fanout;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import io.sluice.sinks.FanoutConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes batches of points through the InfluxDB v2 write API with the client's BLOCKING API (its batching API drops
 * points when its buffer fills), or through InfluxDB 1.x's v1 write API ({@link #connectV1}, {@link InfluxV1Api}).
 * Every point of a batch ends written, rejected, or — when the TSDB is unavailable
 * — the whole batch is kept for the caller to retry ({@link TsdbUnavailableException}); retried points are
 * overwritten in place (same series and timestamp), so a retry never duplicates.
 *
 * <p>Responses: 2xx written; 413 split in halves and retry each; 400/422 bisect down to the offending points,
 * which are rejected with the TSDB's message while the rest are written. Bisection is bounded: a batch of n points
 * costs up to about 2n requests when most are bad, so once the batch's bisection budget (a duration) is spent, a
 * part still refused is rejected whole without being split further ({@link Rejected#isolated()} false: it may hold
 * points the TSDB would take). 429, 5xx, timeouts and connection errors
 * throw {@link TsdbUnavailableException} with Retry-After. Other 4xx (401, 403, 404) are also unavailable: a
 * configuration problem must not dead-letter good data.
 *
 * <p>InfluxDB 1.x answers 400 {@code partial write} when it wrote all but some points: the points its message names
 * (unparsable lines, a field type conflict; {@link PartialWrite}) are rejected with its message and the rest are not
 * written again when the message accounts for every point dropped; when it does not, the rest are written again (the
 * same series and timestamp overwrite) to learn the others, and a message naming none is bisected as above.
 *
 * <p>Blocking; one call at a time per instance (the underlying client is thread-safe, the counters are not).
 */
public final class InfluxWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InfluxWriter.class);

    /** Sends one body of lines; throws the client's exception on a non-2xx answer or I/O failure. */
    @FunctionalInterface
    public interface LineSink {
        void write(List<String> lines);
    }

    /**
     * A point the TSDB refused for good; {@code isolated} false when it was refused as part of a larger part that the
     * bisection budget left unsplit (the point itself may be fine).
     */
    public record Rejected<S>(MicroBatcher.Entry<S> entry, int status, String message, boolean isolated) {
        public Rejected(MicroBatcher.Entry<S> entry, int status, String message) {
            this(entry, status, message, true);
        }
    }

    /** Outcome of a batch: every entry not rejected was written. */
    public record Result<S>(int written, List<Rejected<S>> rejected, int requests) {
    }

    private final LineSink sink;
    private final AutoCloseable owned;

    public InfluxWriter(LineSink sink) {
        this.sink = sink;
        this.owned = null;
    }

    private InfluxWriter(LineSink sink, AutoCloseable owned) {
        this.sink = sink;
        this.owned = owned;
    }

    /** A writer to {@code url} (org/bucket as InfluxDB 2 names them; token may be empty) with an HTTP timeout. */
    public static InfluxWriter connect(String url, String org, String bucket, char[] token, Duration timeout) {
        OkHttpClient.Builder http = new OkHttpClient.Builder().connectTimeout(timeout).readTimeout(timeout)
                .writeTimeout(timeout).retryOnConnectionFailure(false);
        InfluxDBClientOptions.Builder options = InfluxDBClientOptions.builder().url(url).org(org).bucket(bucket)
                .okHttpClient(http);
        if (token != null && token.length > 0) {
            options.authenticateToken(token);
        }
        InfluxDBClient client = InfluxDBClientFactory.create(options.build());
        return new InfluxWriter(lines -> client.getWriteApiBlocking().writeRecords(WritePrecision.NS, lines), client);
    }

    /** A writer to an InfluxDB 1.x server at {@code url} through its v1 write API, with an HTTP timeout. */
    public static InfluxWriter connectV1(String url, FanoutConfig.InfluxV1 v1, Duration timeout) {
        InfluxV1Api api = new InfluxV1Api(url, v1, timeout);
        return new InfluxWriter(api, api);
    }

    /** Writes a batch with no bound on bisection. */
    public <S> Result<S> write(List<MicroBatcher.Entry<S>> batch) throws TsdbUnavailableException {
        return write(batch, Duration.ofDays(365));
    }

    /**
     * Writes a batch; bisecting a refused batch stops splitting once {@code bisectionBudget} has passed since the
     * call began (a request under way then still ends, within the HTTP timeout).
     */
    public <S> Result<S> write(List<MicroBatcher.Entry<S>> batch, Duration bisectionBudget)
            throws TsdbUnavailableException {
        List<Rejected<S>> rejected = new ArrayList<>();
        int[] requests = {0};
        long deadline = System.nanoTime() + Math.min(bisectionBudget.toNanos(), Long.MAX_VALUE / 4);
        write(batch, rejected, requests, deadline);
        return new Result<>(batch.size() - rejected.size(), rejected, requests[0]);
    }

    private <S> void write(List<MicroBatcher.Entry<S>> part, List<Rejected<S>> rejected, int[] requests,
                           long deadline) throws TsdbUnavailableException {
        if (part.isEmpty()) {
            return;
        }
        requests[0]++;
        try {
            String[] lines = new String[part.size()];
            for (int i = 0; i < lines.length; i++) {
                lines[i] = part.get(i).point().line();
            }
            sink.write(Arrays.asList(lines));
        } catch (InfluxException e) {
            refused(part, new WriteRefused(e.status(), e.getMessage(), retryAfter(e.headers()),
                    WriteRefused.NOT_PARTIAL, false, e), rejected, requests, deadline);
        } catch (WriteRefused e) {
            refused(part, e, rejected, requests, deadline);
        } catch (RuntimeException e) {
            // the clients wrap I/O failures in various unchecked types; none of them is the data's fault
            throw new TsdbUnavailableException(0, null, e.toString(), e);
        }
    }

    private <S> void refused(List<MicroBatcher.Entry<S>> part, WriteRefused e, List<Rejected<S>> rejected,
                             int[] requests, long deadline) throws TsdbUnavailableException {
        int status = e.status();
        if (status != 413 && status != 400 && status != 422) {
            throw new TsdbUnavailableException(status, e.retryAfter(), describe(e), e);
        }
        if (part.size() == 1) {
            String why = status == 413 ? "point alone is too large: " + e.getMessage() : e.getMessage();
            rejected.add(new Rejected<>(part.get(0), status, why));
            return;
        }
        if (status == 400 && e.v1()) {
            PartialWrite.Named named = PartialWrite.named(part, e.getMessage(), e.dropped());
            if (!named.points().isEmpty()) {
                List<MicroBatcher.Entry<S>> rest = new ArrayList<>(part.size() - named.points().size());
                for (int i = 0; i < part.size(); i++) {
                    String why = named.points().get(i);
                    if (why == null) {
                        rest.add(part.get(i));
                    } else {
                        rejected.add(new Rejected<>(part.get(i), status, why));
                    }
                }
                if (!named.complete()) {
                    // the server dropped more than it named (or wrote nothing): the rest again, to learn the others
                    write(rest, rejected, requests, deadline);
                }
                return; // complete: the server wrote every other point of this part
            }
        }
        if (System.nanoTime() - deadline > 0) {
            String why = "refused as part of " + part.size() + " points not bisected further (bisection"
                    + " budget spent): " + e.getMessage();
            for (MicroBatcher.Entry<S> entry : part) {
                rejected.add(new Rejected<>(entry, status, why, false));
            }
            return;
        }
        int mid = part.size() / 2;
        write(part.subList(0, mid), rejected, requests, deadline);
        write(part.subList(mid, part.size()), rejected, requests, deadline);
    }

    private static String describe(WriteRefused e) {
        return (e.status() == 0 ? "no response" : "HTTP " + e.status()) + ": " + e.getMessage();
    }

    /** Retry-After in seconds (the HTTP-date form is treated as absent). */
    static Duration retryAfter(Map<String, String> headers) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if ("retry-after".equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                try {
                    return Duration.ofSeconds(Math.max(0, Long.parseLong(h.getValue().trim())));
                } catch (NumberFormatException e) {
                    LOG.debug("Retry-After '{}' is not in seconds; using backoff alone", h.getValue());
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                LOG.debug("closing the InfluxDB client failed", e);
            }
        }
    }
}
