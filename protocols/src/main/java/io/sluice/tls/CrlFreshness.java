package io.sluice.tls;

import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the CRLs of one load are in force. A CRL past its nextUpdate (or before its thisUpdate) is not used by the
 * revocation check, so every client certificate of its CA is refused in the handshake, as OpenSSL-based brokers do;
 * Sluice fails closed and says so: one warning line per such CRL, naming the file, the CA and the date, when the
 * files are loaded or reloaded and again when a CRL goes stale while running (checked as connections arrive).
 * Thread-safe.
 */
final class CrlFreshness {
    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    private final Path file;
    private final List<X509CRL> crls;
    /** When the next CRL goes stale that has not been logged yet (millis; Long.MAX_VALUE: none, or not in use yet). */
    private final AtomicLong sayAt = new AtomicLong(Long.MAX_VALUE);

    CrlFreshness(Path file, List<X509CRL> crls) {
        this.file = file;
        this.crls = List.copyOf(crls);
    }

    /** Logs the warnings in force now (load, reload), then again when the next CRL goes stale. */
    void sayNow() {
        sayAt.set(Long.MIN_VALUE);
        sayWhenStale(System.currentTimeMillis());
    }

    /** Logs the warnings once when a CRL has gone stale since they were last logged; one compare otherwise. */
    void sayWhenStale(long now) {
        long at = sayAt.get();
        if (now > at && sayAt.compareAndSet(at, nextStale(now))) {
            warnings(new Date(now)).forEach(LOG::warn);
        }
    }

    /** One line per CRL not in force at {@code now}. */
    List<String> warnings(Date now) {
        List<String> out = new ArrayList<>();
        for (X509CRL crl : crls) {
            if (crl.getNextUpdate() != null && crl.getNextUpdate().before(now)) {
                out.add(file + ": the CRL of " + crl.getIssuerX500Principal().getName() + " is past its nextUpdate "
                        + crl.getNextUpdate().toInstant() + ": every client certificate of that CA is refused until a"
                        + " current CRL replaces it");
            } else if (crl.getThisUpdate().after(now)) {
                out.add(file + ": the CRL of " + crl.getIssuerX500Principal().getName() + " is not valid before its"
                        + " thisUpdate " + crl.getThisUpdate().toInstant() + " (is the clock right?): every client"
                        + " certificate of that CA is refused until then");
            }
        }
        return out;
    }

    /** The earliest nextUpdate after {@code afterMillis}, or Long.MAX_VALUE. */
    private long nextStale(long afterMillis) {
        return crls.stream().filter(c -> c.getNextUpdate() != null).mapToLong(c -> c.getNextUpdate().getTime())
                .filter(t -> t > afterMillis).min().orElse(Long.MAX_VALUE);
    }
}
