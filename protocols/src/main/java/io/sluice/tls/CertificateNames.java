package io.sluice.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** Takes a client's identity out of its verified certificate. Stateless; any thread. */
public final class CertificateNames {
    /** GeneralName tags of RFC 5280 as the JDK reports them. */
    private static final int RFC822_NAME = 1;
    private static final int DNS_NAME = 2;
    private static final int URI = 6;
    /** Longest identity taken; a longer one is treated as none (it would not fit a record header sensibly). */
    static final int MAX_IDENTITY_CHARS = 1024;

    private CertificateNames() {
    }

    /** The identity {@code source} names in {@code cert}, or empty when the certificate has none of that kind. */
    public static Optional<String> identity(X509Certificate cert, TlsConfig.IdentitySource source) {
        Optional<String> name = switch (source) {
            case CN -> commonName(cert);
            case SAN_DNS -> san(cert, DNS_NAME);
            case SAN_URI -> san(cert, URI);
            case SAN_EMAIL -> san(cert, RFC822_NAME);
        };
        return name.filter(n -> !n.isEmpty() && n.length() <= MAX_IDENTITY_CHARS);
    }

    /** The subject's most specific CN (the last one in RFC 2253 order). */
    static Optional<String> commonName(X509Certificate cert) {
        try {
            List<Rdn> rdns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists RDNs from the least specific; the last CN is the most specific one
            String cn = null;
            for (Rdn rdn : rdns) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    cn = String.valueOf(rdn.getValue());
                }
            }
            return Optional.ofNullable(cn);
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> san(X509Certificate cert, int tag) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            for (List<?> entry : names) {
                if (entry.size() >= 2 && entry.get(0) instanceof Integer t && t == tag
                        && entry.get(1) instanceof String s) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
    }
}
