package io.sluice.daemon.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The admin HTTP server on a loopback socket, with a handler of its own (no daemon). */
class AdminHttpTest {
    private static final AdminHttp.Handler OK =
            request -> AdminHttp.Response.of(200, "text/plain", request.uri().getPath() + "\n");

    /** True when the peer closed {@code s} (end of stream or reset) within its read timeout. */
    private static boolean closedByPeer(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // read past any answer
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }

    private static String get(int port, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void answersCarryLengthAndConnectionClose_andHeadHasNoBody() throws Exception {
        try (AdminHttp http = AdminHttp.start("127.0.0.1", 0, new AdminHttp.Limits(60_000, 4096, 4), OK)) {
            assertEquals("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
                    + "/health\n", get(http.port(), "/health"));
            try (Socket s = new Socket("127.0.0.1", http.port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write("HEAD /ready HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n") && answer.endsWith("\r\n\r\n"), answer);
            }
        }
    }

    @Test
    void close_closesConnectionsStillWaitingForTheirRequest() throws Exception {
        AdminHttp http = AdminHttp.start("127.0.0.1", 0, new AdminHttp.Limits(600_000, 4096, 4), OK);
        try (Socket stalled = new Socket("127.0.0.1", http.port())) {
            stalled.getOutputStream().write("GET /health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5)).until(() -> http.openConnections() == 1);
            stalled.setSoTimeout(5_000); // far below the request timeout: only close() can end it in time
            http.close();
            assertTrue(closedByPeer(stalled));
        }
    }

    @Test
    void aHandlerThatThrows_answers500_andTheServerGoesOn() throws Exception {
        AdminHttp.Handler failing = request -> {
            if (request.uri().getPath().equals("/boom")) {
                throw new IllegalStateException("boom");
            }
            return OK.handle(request);
        };
        try (AdminHttp http = AdminHttp.start("127.0.0.1", 0, new AdminHttp.Limits(60_000, 4096, 4), failing)) {
            assertTrue(get(http.port(), "/boom").startsWith("HTTP/1.1 500 "));
            assertTrue(get(http.port(), "/health").startsWith("HTTP/1.1 200 "));
            await().atMost(Duration.ofSeconds(5)).until(() -> http.openConnections() == 0);
        }
    }
}
