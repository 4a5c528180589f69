package io.sluice.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Reads PEM certificates, PKCS#8 keys and CRLs. Every failure is an {@link IllegalArgumentException} whose message
 * names the file and what is wrong with it. Stateless; any thread.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");
    private static final long MAX_FILE_BYTES = 16L << 20;

    private PemFiles() {
    }

    /** Every certificate in a PEM file, in order; at least one. */
    static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(file, "CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** Every CRL in a PEM file (or one DER CRL); at least one. */
    static List<X509CRL> crls(Path file) {
        List<X509CRL> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            byte[] raw = read(file);
            if (new String(raw, StandardCharsets.US_ASCII).contains("-----BEGIN")) {
                for (byte[] der : blocks(file, "X509 CRL")) {
                    out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(der)));
                }
            } else if (raw.length > 0) {
                out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(raw)));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": not a valid CRL: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": holds no CRL (-----BEGIN X509 CRL-----)");
        }
        return out;
    }

    /**
     * The PKCS#8 private key in a PEM file: "PRIVATE KEY", or "ENCRYPTED PRIVATE KEY" when {@code passwordFile} is
     * given (its first line is the password).
     */
    static PrivateKey privateKey(Path file, Path passwordFile) {
        byte[] der;
        if (passwordFile != null) {
            List<byte[]> enc = blocks(file, "ENCRYPTED PRIVATE KEY");
            if (enc.isEmpty()) {
                throw new IllegalArgumentException(file + ": holds no -----BEGIN ENCRYPTED PRIVATE KEY----- block"
                        + " (a password file is set; PKCS#8 only: openssl pkcs8 -topk8)");
            }
            der = decrypt(file, enc.get(0), password(passwordFile));
        } else {
            List<byte[]> plain = blocks(file, "PRIVATE KEY");
            if (plain.isEmpty()) {
                String kind = blocks(file, "ENCRYPTED PRIVATE KEY").isEmpty()
                        ? "holds no -----BEGIN PRIVATE KEY----- block (PKCS#8; convert with openssl pkcs8 -topk8"
                                + " -nocrypt)"
                        : "holds an encrypted key but no password file is set";
                throw new IllegalArgumentException(file + ": " + kind);
            }
            der = plain.get(0);
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new IllegalArgumentException(file + ": not an RSA, EC or EdDSA PKCS#8 private key");
    }

    /** Throws unless {@code key} is the private key of {@code cert} (a signature made with one verifies with the other). */
    static void checkPair(PrivateKey key, X509Certificate cert, Path keyFile, Path certFile) {
        PublicKey pub = cert.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> null;
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        if (alg == null || !key.getAlgorithm().equals(pub.getAlgorithm())) {
            if (alg != null) {
                throw new IllegalArgumentException(keyFile + ": the key (" + key.getAlgorithm()
                        + ") does not belong to the certificate in " + certFile + " (" + pub.getAlgorithm() + ")");
            }
            return;
        }
        byte[] probe = "sluice key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (!v.verify(sig)) {
                throw new IllegalArgumentException(keyFile + ": the key does not belong to the certificate in "
                        + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(keyFile + ": the key does not belong to the certificate in " + certFile
                    + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decrypt(Path file, byte[] der, char[] password) {
        try {
            EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
            // PBES2 (what openssl pkcs8 -v2 writes): the JDK names the real scheme in the parameters
            String alg = "1.2.840.113549.1.5.13".equals(info.getAlgName()) || "PBES2".equals(info.getAlgName())
                    ? info.getAlgParameters().toString() : info.getAlgName();
            SecretKeyFactory f = SecretKeyFactory.getInstance(alg);
            Cipher cipher = Cipher.getInstance(alg);
            cipher.init(Cipher.DECRYPT_MODE, f.generateSecret(new PBEKeySpec(password)), info.getAlgParameters());
            return info.getKeySpec(cipher).getEncoded();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(file + ": cannot decrypt the key (wrong password in the key password"
                    + " file, or an unsupported scheme; openssl pkcs8 -topk8 -v2 aes-256-cbc works): " + e, e);
        }
    }

    private static char[] password(Path file) {
        String text = new String(read(file), StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).stripTrailing();
        if (line.isEmpty()) {
            throw new IllegalArgumentException(file + ": the key password file is empty");
        }
        return line.toCharArray();
    }

    private static List<byte[]> blocks(Path file, String type) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": a " + type + " block is not valid base64", e);
                }
            }
        }
        return out;
    }

    static byte[] read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e, e);
        }
    }
}
