package io.sluice.daemon.admin;

import io.sluice.ingest.EventCounters;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoint's HTTP/1.1 server: one request per connection (every answer says {@code Connection: close}),
 * bounded in every way a peer can hold it, each refusal a named event in {@link #events()}:
 * <ul>
 *   <li>at most {@code maxConnections} connections at once; more are closed at accept ({@code too_many_connections});
 *   <li>the request (head and body) must arrive within {@code requestTimeoutMs} of the accept, else the socket is
 *       closed ({@code request_timeout}); the answer must be taken within as long again ({@code response_timeout});
 *   <li>at most {@code maxRequestBytes} of head and body (431 or 413, {@code request_too_large}).
 * </ul>
 * The JDK's HttpServer reads a request head on its executor's threads with no time limit, so two stalled sockets
 * used to hang the probes; here every connection has a thread of its own (up to {@code maxConnections}), so a
 * stalled socket holds only its own.
 *
 * <p>Threading: one acceptor thread; each connection on a pool thread of its own; {@link Handler#handle} runs
 * concurrently and may block (drain does). {@link #start} and {@link #close} block briefly.
 */
final class AdminHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);

    /** A parsed request; header names are lower case. */
    record Request(String method, URI uri, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** An answer with a body. */
    record Response(int status, String contentType, byte[] body) {
        static Response of(int status, String contentType, String body) {
            return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Answers one request; a thrown exception becomes a 500. */
    interface Handler {
        Response handle(Request request) throws IOException;
    }

    /** The bounds, as configured by admin.request_timeout_ms, admin.max_request_bytes, admin.max_connections. */
    record Limits(int requestTimeoutMs, int maxRequestBytes, int maxConnections) {
    }

    private final ServerSocket server;
    private final Limits limits;
    private final Handler handler;
    private final EventCounters events = new EventCounters();
    private final AtomicInteger open = new AtomicInteger();
    /** The connections being served, closed by {@link #close} so no thread stays blocked on one. */
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;
    private final Thread acceptor;
    private volatile boolean closed;

    private AdminHttp(ServerSocket server, Limits limits, Handler handler) {
        this.server = server;
        this.limits = limits;
        this.handler = handler;
        AtomicInteger n = new AtomicInteger();
        // a connection is admitted only while fewer than maxConnections are open, so the queue holds a connection
        // only for the moment a finishing thread needs to become idle again
        this.workers = new ThreadPoolExecutor(limits.maxConnections(), limits.maxConnections(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> daemonThread(r, "sluice-admin-" + n.incrementAndGet()));
        workers.allowCoreThreadTimeOut(true);
        this.timer = new ScheduledThreadPoolExecutor(1, r -> daemonThread(r, "sluice-admin-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.acceptor = daemonThread(this::acceptLoop, "sluice-admin-accept");
    }

    /** Binds {@code host:port} and starts serving. */
    static AdminHttp start(String host, int port, Limits limits, Handler handler) {
        ServerSocket s;
        try {
            s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for admin on " + host + ":" + port + " (admin.port): "
                    + e.getMessage(), e);
        }
        AdminHttp http = new AdminHttp(s, limits, handler);
        http.acceptor.start();
        return http;
    }

    int port() {
        return server.getLocalPort();
    }

    /** Refusals by reason: too_many_connections, request_timeout, response_timeout, request_too_large, bad_request. */
    EventCounters events() {
        return events;
    }

    /** Connections open now. */
    int openConnections() {
        return open.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("admin endpoint: accept failed: {}", e.toString());
                    pauseAfterAcceptFailure(); // e.g. out of file descriptors: do not spin
                }
                continue;
            }
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                refuse("too_many_connections", s);
                closeQuietly(s);
                continue;
            }
            sockets.add(s);
            try {
                workers.execute(() -> serve(s));
            } catch (RejectedExecutionException e) { // only while closing
                sockets.remove(s);
                open.decrementAndGet();
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            Request request = readWithin(s);
            if (request == null) {
                return;
            }
            Response response;
            try {
                response = handler.handle(request);
            } catch (IOException | RuntimeException e) {
                LOG.warn("admin request {} {} failed: {}", request.method(), request.uri(), e.toString());
                response = Response.of(500, "application/json",
                        Json.of(Map.of("error", String.valueOf(e.getMessage()))) + "\n");
            }
            writeWithin(s, response, request.method().equals("HEAD"));
        } catch (IOException | RuntimeException e) {
            LOG.debug("admin connection {} ended: {}", s.getRemoteSocketAddress(), e.toString());
        } finally {
            sockets.remove(s);
            open.decrementAndGet();
        }
    }

    /** The request, or null when it did not arrive whole in time or was refused (then the refusal was sent). */
    private Request readWithin(Socket s) throws IOException {
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> deadline = closeAt(s, late);
        try {
            AdminRequestReader.Result r = AdminRequestReader.read(s.getInputStream(), limits.maxRequestBytes());
            if (r.request() != null) {
                return r.request();
            }
            refuse(r.status() == 400 ? "bad_request" : "request_too_large", s);
            writeWithin(s, Response.of(r.status(), "text/plain", r.reason() + "\n"), false);
            return null;
        } catch (IOException e) {
            if (late.get()) {
                refuse("request_timeout", s);
                return null;
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private void writeWithin(Socket s, Response r, boolean head) throws IOException {
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> deadline = closeAt(s, late);
        try {
            OutputStream out = s.getOutputStream();
            String headers = "HTTP/1.1 " + r.status() + " " + reason(r.status()) + "\r\n"
                    + "Content-Type: " + r.contentType() + "\r\n"
                    + "Content-Length: " + r.body().length + "\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(headers.getBytes(StandardCharsets.ISO_8859_1));
            if (!head) {
                out.write(r.body());
            }
            out.flush();
            s.shutdownOutput();
        } catch (IOException e) {
            if (late.get()) {
                refuse("response_timeout", s);
                return;
            }
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    /** Closes {@code s} after the request timeout unless cancelled; a blocked read or write then fails at once. */
    private ScheduledFuture<?> closeAt(Socket s, AtomicBoolean late) {
        return timer.schedule(() -> {
            late.set(true);
            closeQuietly(s);
        }, limits.requestTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    private void refuse(String reason, Socket s) {
        events.count(reason);
        LOG.info("admin endpoint: {} from {} ({} connections open, admin.max_connections {},"
                        + " admin.request_timeout_ms {}, admin.max_request_bytes {})", reason,
                s.getRemoteSocketAddress(), open.get(), limits.maxConnections(), limits.requestTimeoutMs(),
                limits.maxRequestBytes());
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private static void pauseAfterAcceptFailure() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(AdminHttp::closeQuietly);
        workers.shutdownNow();
        timer.shutdownNow();
    }
}
