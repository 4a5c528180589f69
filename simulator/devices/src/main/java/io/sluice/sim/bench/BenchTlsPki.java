package io.sluice.sim.bench;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates of a TLS benchmark, made with the openssl command as bench/tls-handshakes.sh makes them: an EC
 * P-256 CA and a server certificate for 127.0.0.1 and localhost (PKCS#8 key), readable by Mosquitto after it drops
 * root. Both servers are given the same files, TLS 1.3 only and the same cipher suite; {@link #negotiated} asks
 * each listener with {@code openssl s_client} what it actually picks. Used by one thread.
 */
final class BenchTlsPki {
    /** The TLS 1.3 suite both servers and the load generator are limited to. */
    static final String CIPHER = "TLS_AES_128_GCM_SHA256";
    static final String PROTOCOL = "TLSv1.3";

    final Path caFile;
    final Path certFile;
    final Path keyFile;

    private BenchTlsPki(Path dir) {
        this.caFile = dir.resolve("ca.crt");
        this.certFile = dir.resolve("server.crt");
        this.keyFile = dir.resolve("server.key");
    }

    /** Makes the CA and the server certificate in {@code dir}. */
    static BenchTlsPki make(Path dir) throws IOException, InterruptedException {
        BenchTlsPki pki = new BenchTlsPki(dir);
        Path caKey = dir.resolve("ca.key");
        Path csr = dir.resolve("server.csr");
        Path ext = dir.resolve("server.ext");
        Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                caKey.toString(), "-out", pki.caFile.toString(), "-subj", "/CN=bench-ca", "-days", "2");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                pki.keyFile.toString(), "-out", csr.toString(), "-subj", "/CN=127.0.0.1");
        openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", pki.caFile.toString(), "-CAkey", caKey.toString(),
                "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", pki.certFile.toString());
        // Mosquitto started as root drops to its own user, which must read the directory and the files
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path p : List.of(pki.caFile, pki.certFile, pki.keyFile)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return pki;
    }

    /** The load generator's side: trust the bench CA, TLS 1.3 with {@link #CIPHER} only. */
    MqttClientSslConfig clientConfig() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return MqttClientSslConfig.builder().trustManagerFactory(tmf).protocols(List.of(PROTOCOL))
                .cipherSuites(List.of(CIPHER)).build();
    }

    /** Mosquitto's lines for a TLS listener on {@code port} with these files, TLS 1.3 and {@link #CIPHER}. */
    List<String> mosquittoListener(int port) {
        return List.of("listener " + port + " 127.0.0.1", "certfile " + certFile, "keyfile " + keyFile,
                "tls_version tlsv1.3", "ciphers_tls1.3 " + CIPHER);
    }

    /** Sluice's mqtt_tls section for a listener on {@code port} with these files, TLS 1.3 and {@link #CIPHER}. */
    List<String> sluiceListener(int port) {
        return List.of("mqtt_tls:", "  enabled: true", "  host: 127.0.0.1", "  port: " + port,
                "  cert_file: " + certFile, "  key_file: " + keyFile, "  protocols: " + PROTOCOL,
                "  ciphers: " + CIPHER);
    }

    /**
     * The TLS 1.3 suites the load generator offers, in its order: the HiveMQ client runs on BoringSSL here, which
     * offers all three whatever it is asked for (Netty says so in one log line per client).
     */
    static final String GENERATOR_OFFER = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

    /**
     * What a listener negotiates with an openssl client offering what the load generator offers, in its order:
     * "protocol, cipher, verification" as {@code openssl s_client} reports them, or why it could not tell.
     */
    String negotiated(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
                caFile.toString(), "-tls1_3", "-ciphersuites", GENERATOR_OFFER, "-brief")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "openssl s_client timed out";
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        List<String> found = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("Protocol version:") || line.startsWith("Ciphersuite:")
                    || line.startsWith("Verification:")) {
                found.add(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return found.isEmpty() ? "unknown (" + out.strip() + ")" : String.join(", ", found);
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
