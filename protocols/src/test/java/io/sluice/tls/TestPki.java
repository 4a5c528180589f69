package io.sluice.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates made in the test with BouncyCastle: a CA, server and client certificates (CN and SANs as asked,
 * valid or expired), CRLs, all written as PEM (keys as unencrypted PKCS#8). EC P-256 keys: quick to make.
 */
public final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A CA: its certificate, key, and the certificates it revoked so far. */
    public static final class Ca {
        public final X509Certificate cert;
        final PrivateKey key;
        private final List<BigInteger> revoked = new ArrayList<>();

        private Ca(X509Certificate cert, PrivateKey key) {
            this.cert = cert;
            this.key = key;
        }

        /** Marks {@code cert} revoked in the CRLs this CA issues from now on. */
        public void revoke(X509Certificate c) {
            revoked.add(c.getSerialNumber());
        }

        /** A CRL listing every certificate revoked so far, valid for a day. */
        public X509CRL crl() {
            return crl(Instant.now(), Instant.now().plus(Duration.ofDays(1)));
        }

        /** A CRL listing every certificate revoked so far, issued at {@code thisUpdate}, due {@code nextUpdate}. */
        public X509CRL crl(Instant thisUpdate, Instant nextUpdate) {
            try {
                Date issued = Date.from(thisUpdate);
                X509v2CRLBuilder b = new JcaX509v2CRLBuilder(cert.getSubjectX500Principal(), issued);
                b.setNextUpdate(Date.from(nextUpdate));
                for (BigInteger serial : revoked) {
                    b.addCRLEntry(serial, issued, CRLReason.keyCompromise);
                }
                return new JcaX509CRLConverter().getCRL(b.build(signer(key)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** An issued certificate and its key. */
    public record Issued(X509Certificate cert, PrivateKey key) {
        /** Writes {@code name}.crt and {@code name}.key into {@code dir}; returns the certificate file. */
        public Path write(Path dir, String name) throws IOException {
            writeCert(dir.resolve(name + ".crt"), cert);
            writeKey(dir.resolve(name + ".key"), key);
            return dir.resolve(name + ".crt");
        }
    }

    private TestPki() {
    }

    public static Ca ca(String cn) {
        try {
            KeyPair kp = keyPair();
            X500Principal name = new X500Principal("CN=" + cn);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(Instant.now().minus(Duration.ofHours(1))),
                    Date.from(Instant.now().plus(Duration.ofDays(30))), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Ca(new JcaX509CertificateConverter().getCertificate(b.build(signer(kp.getPrivate()))),
                    kp.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate for 127.0.0.1 and localhost. */
    public static Issued server(Ca ca, String cn) {
        return issue(ca, cn, List.of(new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.dNSName, "localhost")), Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(10)));
    }

    /** A client certificate valid now, with the given SANs (may be empty). */
    public static Issued client(Ca ca, String cn, List<GeneralName> sans) {
        return issue(ca, cn, sans, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(10)));
    }

    /** A client certificate that expired yesterday. */
    public static Issued expiredClient(Ca ca, String cn) {
        return issue(ca, cn, List.of(), Instant.now().minus(Duration.ofDays(10)),
                Instant.now().minus(Duration.ofDays(1)));
    }

    public static Issued issue(Ca ca, String cn, List<GeneralName> sans, Instant from, Instant to) {
        try {
            KeyPair kp = keyPair();
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert.getSubjectX500Principal(),
                    serial(), Date.from(from), Date.from(to), new X500Principal("CN=" + cn), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            return new Issued(new JcaX509CertificateConverter().getCertificate(b.build(signer(ca.key))),
                    kp.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static void writeCert(Path file, X509Certificate... certs) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certs) {
            try {
                sb.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IOException(e);
            }
        }
        Files.writeString(file, sb.toString(), StandardCharsets.US_ASCII);
    }

    public static void writeKey(Path file, PrivateKey key) throws IOException {
        Files.writeString(file, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    public static void writeCrl(Path file, X509CRL crl) throws IOException {
        try {
            Files.writeString(file, pem("X509 CRL", crl.getEncoded()), StandardCharsets.US_ASCII);
        } catch (java.security.cert.CRLException e) {
            throw new IOException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static ContentSigner signer(PrivateKey key) throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }
}
