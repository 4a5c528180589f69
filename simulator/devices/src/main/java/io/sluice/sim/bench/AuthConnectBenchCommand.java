package io.sluice.sim.bench;

import io.sluice.auth.PasswordFile;
import io.sluice.auth.PasswordHash;
import io.sluice.daemon.internal.Logging;
import io.sluice.stack.KafkaCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * CPU per CONNECT with a password: Sluice and Mosquitto read the same password file (made here, PBKDF2-SHA512 at
 * {@code --iterations}); each server's CPU time (from /proc) is measured over one CONNECT per user ("cold": every
 * check computes a hash) and again over the same CONNECTs ("again": Sluice remembers successful checks, Mosquitto
 * computes each one). One connection at a time, MQTT 3.1.1, closed after its CONNACK.
 */
@Command(name = "bench-auth", mixinStandardHelpOptions = true,
        description = "CPU per CONNECT with a password, cold and remembered: Sluice vs Mosquitto.")
public final class AuthConnectBenchCommand implements Callable<Integer> {
    @Option(names = "--users", defaultValue = "300", description = "users in the password file (default ${DEFAULT-VALUE})")
    int users;

    @Option(names = "--iterations", defaultValue = "" + PasswordHash.DEFAULT_ITERATIONS,
            description = "PBKDF2 iterations of every line (default ${DEFAULT-VALUE}, Sluice's default)")
    int iterations;

    @Option(names = "--hash-only", description = "only time one password check in this JVM (thread CPU per check,"
            + " after three warm-up checks), no servers")
    boolean hashOnly;

    @Option(names = "--checks", defaultValue = "20", description = "checks timed by --hash-only (default ${DEFAULT-VALUE})")
    int checks;

    @Override
    public Integer call() throws Exception {
        if (hashOnly) {
            PasswordHash h = PasswordHash.create(password(0), iterations);
            for (int i = 0; i < 3; i++) {
                h.verify(password(0));
            }
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < checks; i++) {
                h.verify(password(0));
            }
            long c1 = mx.getCurrentThreadCpuTime();
            System.out.printf("PBKDF2-SHA512 %,d iterations: %.1f ms thread CPU per check (%d checks)%n", iterations,
                    (c1 - c0) / 1e6 / checks, checks);
            return 0;
        }
        Logging.configure("error", "text");
        Path dir = Files.createTempDirectory("sluice-bench-auth-");
        Path passwords = dir.resolve("passwd");
        Map<String, PasswordHash> lines = new LinkedHashMap<>();
        for (int i = 0; i < users + WARM_UP; i++) {
            lines.put(user(i), PasswordHash.create(password(i), iterations));
        }
        PasswordFile.write(passwords, lines);
        // Mosquitto started as root drops to its own user, which must be able to read the file
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(passwords, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        System.out.printf("bench-auth: %d users, PBKDF2-SHA512 %,d iterations, one CONNECT at a time, %d core(s)%n",
                users, iterations, Runtime.getRuntime().availableProcessors());
        try (KafkaCluster kafka = KafkaCluster.start(1)) {
            try (ServerUnderTest mosquitto = ServerUnderTest.mosquitto(dir, freePort(),
                    List.of("allow_anonymous false", "password_file " + passwords))) {
                measure(mosquitto);
            }
            try (ServerUnderTest sluice = ServerUnderTest.sluice(dir, freePort(), kafka.bootstrapServers(),
                    "auth.readings", List.of("auth:", "  password_file: " + passwords,
                            "  max_remembered_passwords: " + Math.max(users, 1)))) {
                measure(sluice);
            }
        }
        return 0;
    }

    /** Users of the warm-up only (classes loaded, code compiled), so every measured user is new to the server. */
    private static final int WARM_UP = 50;

    private void measure(ServerUnderTest server) throws IOException {
        connectAll(server, users, users + WARM_UP);
        connectAll(server, users, users + WARM_UP);
        double c0 = ProcCpu.seconds(server.pid());
        connectAll(server, 0, users);
        double c1 = ProcCpu.seconds(server.pid());
        connectAll(server, 0, users);
        double c2 = ProcCpu.seconds(server.pid());
        System.out.printf("%-9s cold (each user's first CONNECT) %.2f ms CPU per CONNECT, again (same users) %.2f ms"
                + " CPU per CONNECT%n", server.name, (c1 - c0) * 1000 / users, (c2 - c1) * 1000 / users);
    }

    private static void connectAll(ServerUnderTest server, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port)) {
                s.setSoTimeout(60_000);
                s.getOutputStream().write(connect(user(i), password(i)));
                byte[] ack = s.getInputStream().readNBytes(4);
                if (ack.length != 4 || ack[0] != 0x20 || ack[3] != 0) {
                    throw new IllegalStateException(server.name + " refused " + user(i));
                }
            }
        }
    }

    private static String user(int i) {
        return String.format("device-%06d", i);
    }

    private static byte[] password(int i) {
        return ("pw-" + i + "-of-a-device").getBytes(StandardCharsets.UTF_8);
    }

    /** MQTT 3.1.1 CONNECT, clean session, with user name and password; the client id is the user name. */
    static byte[] connect(String user, byte[] password) {
        byte[] id = user.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) 0xC2, 0, 60});
        for (byte[] field : new byte[][] {id, id, password}) {
            body.write(field.length >> 8);
            body.write(field.length & 0xff);
            body.writeBytes(field);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x10);
        out.write(body.size()); // < 128 for the names used here
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
