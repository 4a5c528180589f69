package io.sluice.daemon.admin;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one HTTP/1.x request head and its body from a blocking stream, bounded in bytes: a head past the bound is
 * refused with 431, a body past it with 413, anything malformed (or a chunked body) with 400. The body is read and
 * dropped: no admin route takes one. Stateless; the caller bounds the time.
 */
final class AdminRequestReader {
    /** A request, or the status and reason of a refusal. */
    record Result(AdminHttp.Request request, int status, String reason) {
    }

    private AdminRequestReader() {
    }

    static Result read(InputStream in, int maxBytes) throws IOException {
        byte[] buf = new byte[Math.min(maxBytes, 4096)];
        int n = 0;
        int headEnd = -1;
        while (headEnd < 0) {
            if (n == buf.length) {
                if (n >= maxBytes) {
                    return new Result(null, 431, "request head larger than admin.max_request_bytes");
                }
                buf = Arrays.copyOf(buf, Math.min(maxBytes, n * 2));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new SocketException("peer closed before the request was complete");
            }
            int from = Math.max(0, n - 3);
            n += r;
            headEnd = headEnd(buf, from, n);
        }
        String head = new String(buf, 0, headEnd, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r?\n");
        String[] first = lines[0].split(" ");
        if (first.length != 3 || !first[2].startsWith("HTTP/1.") || first[0].isEmpty()) {
            return new Result(null, 400, "malformed request line");
        }
        URI uri;
        try {
            uri = new URI(first[1]);
        } catch (java.net.URISyntaxException e) {
            return new Result(null, 400, "malformed request target");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                return new Result(null, 400, "malformed header line");
            }
            headers.putIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).strip());
        }
        if (headers.containsKey("transfer-encoding")) {
            return new Result(null, 400, "chunked request bodies are not accepted: send Content-Length");
        }
        long length;
        try {
            length = Long.parseLong(headers.getOrDefault("content-length", "0"));
        } catch (NumberFormatException e) {
            return new Result(null, 400, "malformed Content-Length");
        }
        int bodyStart = headEnd + (buf[headEnd] == '\r' ? 4 : 2);
        if (length < 0) {
            return new Result(null, 400, "malformed Content-Length");
        }
        if (bodyStart + length > maxBytes) {
            return new Result(null, 413, "request larger than admin.max_request_bytes");
        }
        long missing = length - (n - bodyStart); // the body is read and dropped: no route takes one
        while (missing > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, missing));
            if (r < 0) {
                throw new SocketException("peer closed before the request body was complete");
            }
            missing -= r;
        }
        return new Result(new AdminHttp.Request(first[0], uri, headers), 0, null);
    }

    /** Index of the blank line ending the head in {@code b[from..to)} ("\r\n\r\n" or "\n\n"), or -1. */
    private static int headEnd(byte[] b, int from, int to) {
        for (int i = from; i < to - 1; i++) {
            if (b[i] == '\n' && b[i + 1] == '\n') {
                return i;
            }
            if (i + 3 < to && b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
