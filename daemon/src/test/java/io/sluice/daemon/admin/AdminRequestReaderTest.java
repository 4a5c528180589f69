package io.sluice.daemon.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The admin endpoint's request reader: what it accepts and what it refuses, within its byte bound. */
class AdminRequestReaderTest {
    private static AdminRequestReader.Result read(String text, int maxBytes) throws IOException {
        return AdminRequestReader.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), maxBytes);
    }

    /** Hands out one byte per read, as a peer trickling its request would. */
    private static InputStream trickle(String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return new InputStream() {
            int i;

            @Override
            public int read() {
                return i < b.length ? b[i++] & 0xff : -1;
            }

            @Override
            public int read(byte[] out, int off, int len) {
                if (i >= b.length) {
                    return -1;
                }
                out[off] = b[i++];
                return 1;
            }
        };
    }

    @Test
    void aRequestHeadAndBody_areRead_withHeaderNamesInLowerCase() throws IOException {
        AdminRequestReader.Result r = read("POST /sessions/a%2Fb/kick?format=text HTTP/1.1\r\nAuthorization: Bearer t\r\n"
                + "Content-Length: 5\r\n\r\nhello", 1024);
        assertEquals("POST", r.request().method());
        assertEquals("/sessions/a/b/kick", r.request().uri().getPath());
        assertEquals("format=text", r.request().uri().getQuery());
        assertEquals("Bearer t", r.request().header("authorization"));
        AdminRequestReader.Result bare = AdminRequestReader.read(trickle("GET /health HTTP/1.0\n\n"), 1024);
        assertEquals("/health", bare.request().uri().getPath(), "bare line feeds, one byte per read");
    }

    @Test
    void aHeadLargerThanTheBound_is431_andABodyPastIt_is413_withoutReadingOn() throws IOException {
        AdminRequestReader.Result head = read("GET /health HTTP/1.1\r\nX-Filler: " + "a".repeat(5_000) + "\r\n\r\n", 4096);
        assertNull(head.request());
        assertEquals(431, head.status());
        AdminRequestReader.Result body = read("POST /drain HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 4096);
        assertEquals(413, body.status());
    }

    @Test
    void malformedRequests_are400() throws IOException {
        for (String bad : new String[] {"\r\n\r\n", "GET /health\r\n\r\n", "GET /health HTTP/2.0\r\n\r\n",
                "GET /a b HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nno colon\r\n\r\n",
                "GET /health HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "GET /health HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                "POST /drain HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET /% HTTP/1.1\r\n\r\n"}) {
            AdminRequestReader.Result r = read(bad, 4096);
            assertNull(r.request(), bad);
            assertEquals(400, r.status(), bad);
        }
    }

    @Test
    void aPeerClosingBeforeTheRequestIsWhole_isAnError() {
        assertThrows(SocketException.class, () -> read("GET /health HTTP/1.1\r\nHost: x\r\n", 4096));
        assertThrows(SocketException.class, () -> read("POST /drain HTTP/1.1\r\nContent-Length: 9\r\n\r\nhalf", 4096));
    }
}
