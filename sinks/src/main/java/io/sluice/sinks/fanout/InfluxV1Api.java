package io.sluice.sinks.fanout;

import io.sluice.sinks.FanoutConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The InfluxDB 1.x write API ({@code POST /write?db=&rp=&precision=ns}) as a {@link InfluxWriter.LineSink}, over
 * the JDK's HTTP client (HTTP/1.1, persistent connections). Credentials go in a Basic {@code Authorization} header,
 * never in the URL. A 2xx answer returns; any other throws {@link WriteRefused} with the server's {@code error}
 * message and, for a 400 {@code partial write}, the {@code dropped=N} count; no answer (timeout, connection refused)
 * throws {@link UncheckedIOException}. InfluxWriter decides what each means.
 *
 * <p>Blocking; thread-safe (the HTTP client is).
 */
final class InfluxV1Api implements InfluxWriter.LineSink, AutoCloseable {
    private static final Pattern DROPPED = Pattern.compile(" dropped=(\\d+)$");
    private final HttpClient http;
    private final URI uri;
    private final String authorization;
    private final Duration timeout;

    InfluxV1Api(String url, FanoutConfig.InfluxV1 v1, Duration timeout) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        StringBuilder u = new StringBuilder(base).append("/write?precision=ns&db=").append(encode(v1.database()));
        if (!v1.retentionPolicy().isEmpty()) {
            u.append("&rp=").append(encode(v1.retentionPolicy()));
        }
        this.uri = URI.create(u.toString());
        this.authorization = v1.username().isEmpty() ? null : "Basic " + Base64.getEncoder().encodeToString(
                (v1.username() + ":" + v1.password()).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    @Override
    public void write(List<String> lines) {
        int size = 0;
        for (String l : lines) {
            size += l.length() + 1;
        }
        StringBuilder body = new StringBuilder(size);
        for (String l : lines) {
            body.append(l).append('\n');
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "text/plain; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("no answer from " + uri.getHost() + ":" + uri.getPort() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing", e);
        }
        int status = r.statusCode();
        if (status / 100 == 2) {
            return;
        }
        String message = message(r);
        Matcher d = DROPPED.matcher(message);
        boolean partial = status == 400 && message.startsWith("partial write:") && d.find();
        Duration retryAfter = r.headers().firstValue("Retry-After")
                .map(v -> InfluxWriter.retryAfter(Map.of("Retry-After", v))).orElse(null);
        throw new WriteRefused(status, message, retryAfter,
                partial ? Integer.parseInt(d.group(1)) : WriteRefused.NOT_PARTIAL, true, null);
    }

    /** The {@code error} of InfluxDB's JSON answer, else its X-Influxdb-Error header, else the body itself. */
    static String message(HttpResponse<String> r) {
        String body = r.body() == null ? "" : r.body().strip();
        if (body.startsWith("{")) {
            try {
                if (Json.parse(body) instanceof Map<?, ?> m && m.get("error") instanceof String error) {
                    return error;
                }
            } catch (IllegalArgumentException e) {
                // not InfluxDB's JSON: fall through to the header or the raw body
            }
        }
        return r.headers().firstValue("X-Influxdb-Error")
                .orElse(body.isEmpty() ? "HTTP " + r.statusCode() : body.substring(0, Math.min(body.length(), 2000)));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        http.close();
    }
}
