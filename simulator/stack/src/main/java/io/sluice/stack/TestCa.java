package io.sluice.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away certificate authority and one server certificate signed by it, made with the JDK's keytool (no
 * extra library, no openssl): the CA certificate as PEM for clients to trust, and a PKCS12 keystore holding the
 * server's key and chain (SAN IP 127.0.0.1, valid two days) for a broker.
 *
 * <p>Blocking (runs keytool several times, about a second each). Not thread-safe; one instance per directory.
 */
final class TestCa {
    static final String PASSWORD = "sluice-test";

    private final Path dir;

    private TestCa(Path dir) {
        this.dir = dir;
    }

    /** Makes the CA and the server certificate in {@code dir}. */
    static TestCa create(Path dir) {
        TestCa ca = new TestCa(dir);
        try {
            Files.createDirectories(dir);
            ca.make();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a test CA in " + dir, e);
        }
        return ca;
    }

    /** The CA certificate, PEM. */
    Path caPem() {
        return dir.resolve("ca.pem");
    }

    /** The server's PKCS12 keystore (key, its certificate and the CA's); password {@link #PASSWORD}. */
    Path serverKeystore() {
        return dir.resolve("server.p12");
    }

    private void make() throws IOException {
        String ca = dir.resolve("ca.p12").toString();
        String server = serverKeystore().toString();
        String csr = dir.resolve("server.csr").toString();
        String serverPem = dir.resolve("server.pem").toString();
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Sluice test CA", "-ext", "bc:c", "-validity", "2", "-keystore", ca);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-file", caPem().toString());
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-validity", "2", "-keystore", server);
        keytool("-certreq", "-alias", "server", "-keystore", server, "-file", csr);
        keytool("-gencert", "-alias", "ca", "-keystore", ca, "-infile", csr, "-outfile", serverPem, "-rfc",
                "-validity", "2", "-ext", "SAN=ip:127.0.0.1", "-ext", "KU=digitalSignature",
                "-ext", "EKU=serverAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-keystore", server, "-file", caPem().toString());
        keytool("-importcert", "-noprompt", "-alias", "server", "-keystore", server, "-file", serverPem);
    }

    private void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD));
        if (List.of(args).contains("-genkeypair")) {
            cmd.addAll(List.of("-keypass", PASSWORD));
        }
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n"
                        + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
