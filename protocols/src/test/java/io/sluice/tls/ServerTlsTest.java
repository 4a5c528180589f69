package io.sluice.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.tls.TlsConfig.ClientAuthMode;
import io.sluice.tls.TlsConfig.IdentitySource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building the server context from files, and the checks that name the file when one does not fit. */
class ServerTlsTest {
    @TempDir
    Path dir;
    private final java.util.List<ServerTls> loaded = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void release() {
        loaded.forEach(ServerTls::close);
    }

    private ServerTls load(TlsConfig c) {
        ServerTls tls = ServerTls.load(c);
        loaded.add(tls);
        return tls;
    }

    private TlsConfig config(ClientAuthMode auth, Path ca, Path crl, Path keyPassword) {
        return new TlsConfig("127.0.0.1", 0, dir.resolve("server.crt"), dir.resolve("server.key"), keyPassword, ca,
                crl, auth, IdentitySource.CN, List.of("TLSv1.3", "TLSv1.2"), List.of(), 10_000, 1024, 3600);
    }

    @Test
    void validFiles_buildAContext_onBoringSsl() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl());
        ServerTls tls = load(config(ClientAuthMode.REQUIRED, dir.resolve("ca.crt"), dir.resolve("ca.crl"),
                null));
        assertEquals("CN=server-1", tls.serverCertificate().getSubjectX500Principal().getName());
        assertEquals("openssl", tls.providerName(), "netty-tcnative-boringssl-static loads on linux-x86_64");
        assertEquals(4, tls.files().size());
    }

    @Test
    void providerJdk_isUsedEvenWhereBoringSslLoads_andOpensslCanBeRequired() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        for (TlsConfig.Provider p : TlsConfig.Provider.values()) {
            TlsConfig c = config(ClientAuthMode.NONE, null, null, null);
            c = new TlsConfig(c.host(), c.port(), c.certFile(), c.keyFile(), null, null, null, c.clientAuth(),
                    c.identityFrom(), c.protocols(), c.ciphers(), c.handshakeTimeoutMs(), c.sessionCacheSize(),
                    c.sessionTimeoutSeconds(), p);
            assertEquals(p == TlsConfig.Provider.JDK ? "jdk" : "openssl", load(c).providerName(), p.name());
            ServerTls.check(c);
        }
    }

    @Test
    void expiredOrNotYetValidServerCertificate_isRefusedAtLoad_andAtReload_whichKeepsTheOne() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        java.time.Instant now = java.time.Instant.now();
        TestPki.Issued expired = TestPki.issue(ca, "expired", List.of(), now.minus(java.time.Duration.ofDays(30)),
                now.minus(java.time.Duration.ofDays(2)));
        expired.write(dir, "server");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(config(ClientAuthMode.NONE, null, null, null)));
        assertTrue(e.getMessage().contains("server.crt: the server certificate expired on "
                + expired.cert().getNotAfter().toInstant()), e.getMessage());

        TestPki.server(ca, "valid").write(dir, "server");
        ServerTls tls = load(config(ClientAuthMode.NONE, null, null, null));
        TestPki.Issued early = TestPki.issue(ca, "early", List.of(), now.plus(java.time.Duration.ofDays(1)),
                now.plus(java.time.Duration.ofDays(30)));
        early.write(dir, "server");
        e = assertThrows(IllegalArgumentException.class, tls::reload);
        assertTrue(e.getMessage().contains("server.crt: the server certificate is not valid before "
                + early.cert().getNotBefore().toInstant()), e.getMessage());
        expired.write(dir, "server");
        assertThrows(IllegalArgumentException.class, tls::reload);
        assertEquals("CN=valid", tls.serverCertificate().getSubjectX500Principal().getName(),
                "the valid certificate stays in use");
    }

    @Test
    void crlPastItsNextUpdate_loads_andIsNamedWithItsDate_untilACurrentOneIsReloaded() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        java.time.Instant due = java.time.Instant.now().minus(java.time.Duration.ofHours(3)).truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS);
        TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl(due.minus(java.time.Duration.ofDays(7)), due));
        TlsConfig c = config(ClientAuthMode.REQUIRED, dir.resolve("ca.crt"), dir.resolve("ca.crl"), null);
        ServerTls tls = load(c);
        assertEquals(List.of(dir.resolve("ca.crl") + ": the CRL of CN=test-ca is past its nextUpdate " + due
                + ": every client certificate of that CA is refused until a current CRL replaces it"), tls.warnings());
        assertEquals(tls.warnings(), ServerTls.check(c), "config check says the same");

        TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl());
        tls.reload();
        assertEquals(List.of(), tls.warnings());
    }

    @Test
    void crlGoingStaleWhileRunning_isLoggedOnce_byTheNextConnection() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        java.time.Instant due = java.time.Instant.now().plusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        TestPki.writeCrl(dir.resolve("ca.crl"), ca.crl(due.minus(java.time.Duration.ofDays(1)), due));
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                ServerTls.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> log =
                new ch.qos.logback.core.read.ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            ServerTls tls = load(config(ClientAuthMode.REQUIRED, dir.resolve("ca.crt"), dir.resolve("ca.crl"), null));
            assertEquals(List.of(), tls.warnings(), "current at load");
            newConnection(tls);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> !tls.warnings().isEmpty());
            assertTrue(log.list.stream().noneMatch(e -> e.getFormattedMessage().contains("nextUpdate")),
                    "nothing said before a connection arrives: " + log.list);
            for (int i = 0; i < 3; i++) {
                newConnection(tls);
            }
            List<String> said = log.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("nextUpdate")).toList();
            assertEquals(List.of(dir.resolve("ca.crl") + ": the CRL of CN=test-ca is past its nextUpdate " + due
                    + ": every client certificate of that CA is refused until a current CRL replaces it"), said);
        } finally {
            logger.detachAppender(log);
        }
    }

    private static void newConnection(ServerTls tls) {
        io.netty.handler.ssl.SslHandler h = tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        io.netty.util.ReferenceCountUtil.release(h.engine());
    }

    @Test
    void keyOfAnotherCertificate_isRefused_namingTheKeyFile() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        TestPki.server(ca, "other").write(dir, "other");
        Files.copy(dir.resolve("other.key"), dir.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(config(ClientAuthMode.NONE, null, null, null)));
        assertTrue(e.getMessage().contains("server.key") && e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void missingFile_isRefused_namingIt() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(config(ClientAuthMode.REQUIRED, dir.resolve("nope-ca.crt"), null, null)));
        assertTrue(e.getMessage().contains("nope-ca.crt") && e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void crlOfAnotherCa_isRefused_namingTheCrlFile() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        TestPki.writeCrl(dir.resolve("ca.crl"), TestPki.ca("test-ca").crl()); // same name, another key
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(config(ClientAuthMode.REQUIRED, dir.resolve("ca.crt"), dir.resolve("ca.crl"),
                        null)));
        assertTrue(e.getMessage().contains("ca.crl") && e.getMessage().contains("not signed"), e.getMessage());
    }

    @Test
    void reload_swapsInANewCertificate_butABrokenOneKeepsTheOld() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "first").write(dir, "server");
        ServerTls tls = load(config(ClientAuthMode.NONE, null, null, null));
        Files.writeString(dir.resolve("server.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tls::reload);
        assertTrue(e.getMessage().contains("server.crt"), e.getMessage());
        assertEquals("CN=first", tls.serverCertificate().getSubjectX500Principal().getName());

        TestPki.server(ca, "second").write(dir, "server");
        tls.reload();
        assertEquals("CN=second", tls.serverCertificate().getSubjectX500Principal().getName());
    }

    @Test
    void encryptedPkcs8Key_isReadWithThePasswordFile() throws Exception {
        TestPki.Ca ca = TestPki.ca("test-ca");
        TestPki.server(ca, "server-1").write(dir, "server");
        Files.writeString(dir.resolve("pw"), "s3cret\n");
        Process p = new ProcessBuilder("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc",
                "-in", dir.resolve("server.key").toString(), "-out", dir.resolve("enc.key").toString(),
                "-passout", "file:" + dir.resolve("pw")).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
        Files.move(dir.resolve("enc.key"), dir.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        ServerTls tls = load(config(ClientAuthMode.NONE, null, null, dir.resolve("pw")));
        assertEquals("CN=server-1", tls.serverCertificate().getSubjectX500Principal().getName());

        Files.writeString(dir.resolve("pw"), "wrong\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tls::reload);
        assertTrue(e.getMessage().contains("server.key") && e.getMessage().contains("cannot decrypt"), e.getMessage());
        IllegalArgumentException noPw = assertThrows(IllegalArgumentException.class,
                () -> load(config(ClientAuthMode.NONE, null, null, null)));
        assertNotEquals(-1, noPw.getMessage().indexOf("no password file"), noPw.getMessage());
    }
}
