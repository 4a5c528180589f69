package io.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One user's stored password, in the encodings Mosquitto's {@code mosquitto_passwd} writes:
 * {@code $7$<iterations>$<salt>$<hash>} (PBKDF2-HMAC-SHA512, 64-byte hash) and, read only for migration,
 * {@code $6$<salt>$<hash>} (one SHA-512 of the password followed by the salt). Salt and hash are standard base64.
 * Immutable and thread-safe; {@link #verify} costs one PBKDF2 (use it off the event loops).
 *
 * @param iterations PBKDF2 iterations; 0 for a {@code $6$} hash
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {
    /** Iterations {@code sluice passwd} writes by default (docs/AUTH.md says why and what one costs). */
    public static final int DEFAULT_ITERATIONS = 10_000;
    /** Largest iteration count read: a hostile or mistyped file must not make one CONNECT cost minutes. */
    public static final int MAX_ITERATIONS = 10_000_000;
    private static final int SALT_BYTES = 12; // as mosquitto_passwd
    private static final int HASH_BYTES = 64;

    /** Parses the part after {@code user:}; throws {@link IllegalArgumentException} saying what is wrong. */
    public static PasswordHash parse(String text) {
        String[] parts = text.split("\\$", -1);
        // "$7$it$salt$hash" splits into "", "7", it, salt, hash
        if (parts.length == 5 && parts[0].isEmpty() && parts[1].equals("7")) {
            int iterations;
            try {
                iterations = Integer.parseInt(parts[2]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("iteration count '" + parts[2] + "' is not a number");
            }
            if (iterations < 1 || iterations > MAX_ITERATIONS) {
                throw new IllegalArgumentException("iteration count " + iterations + " is not between 1 and "
                        + MAX_ITERATIONS);
            }
            return new PasswordHash(iterations, base64(parts[3], "salt"), hash(parts[4]));
        }
        if (parts.length == 4 && parts[0].isEmpty() && parts[1].equals("6")) {
            return new PasswordHash(0, base64(parts[2], "salt"), hash(parts[3]));
        }
        throw new IllegalArgumentException("not a password hash of the form $7$iterations$salt$hash (or $6$salt$hash);"
                + " a plain-text password is not accepted");
    }

    private static byte[] hash(String b64) {
        byte[] h = base64(b64, "hash");
        if (h.length != HASH_BYTES) {
            throw new IllegalArgumentException("hash is " + h.length + " bytes, a SHA-512 hash has " + HASH_BYTES);
        }
        return h;
    }

    private static byte[] base64(String s, String what) {
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not base64");
        }
    }

    /** A new {@code $7$} hash of {@code password} with a random salt. Costs one PBKDF2 of {@code iterations}. */
    public static PasswordHash create(byte[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return new PasswordHash(iterations, salt, pbkdf2(password, salt, iterations));
    }

    /** True when {@code password} (UTF-8 bytes, as sent in CONNECT) is this one; compares in constant time. */
    public boolean verify(byte[] password) {
        byte[] computed = iterations == 0 ? sha512(password, salt) : pbkdf2(password, salt, iterations);
        return MessageDigest.isEqual(computed, hash);
    }

    /** The stored form, as mosquitto_passwd writes it. */
    public String encode() {
        Base64.Encoder b64 = Base64.getEncoder();
        return iterations == 0 ? "$6$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash)
                : "$7$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * PBKDF2-HMAC-SHA512 over raw password bytes (the JDK's PBEKeySpec takes chars and would re-encode them; MQTT
     * passwords are binary data), one 64-byte block as Mosquitto derives it.
     */
    static byte[] pbkdf2(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = Mac.getInstance("HmacSHA512");
            // an empty HMAC key is legal, but SecretKeySpec refuses an empty array
            mac.init(password.length == 0 ? new EmptyKey() : new SecretKeySpec(password, "HmacSHA512"));
            mac.update(salt);
            mac.update(new byte[] {0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] out = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < out.length; j++) {
                    out[j] ^= u[j];
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA512 is not available", e);
        }
    }

    private static byte[] sha512(byte[] password, byte[] salt) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-512");
            d.update(password);
            d.update(salt);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is not available", e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A zero-length HMAC key. */
    private static final class EmptyKey implements javax.crypto.SecretKey {
        @Override
        public String getAlgorithm() {
            return "HmacSHA512";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return new byte[0];
        }
    }
}
