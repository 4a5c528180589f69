package io.sluice.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Password hashes as mosquitto_passwd writes them (lines below made by Debian's mosquitto_passwd 2.0.11). */
class PasswordHashTest {
    /** mosquitto_passwd -b file alice secret-1 (sha512-pbkdf2, 101 iterations). */
    static final String ALICE = "alice:$7$101$0w9PRfZXvH1WLSVA$VDfEXcx9JHgntpyYH6hpXolIl2XXt0NoKcFHGVk1qaSNNVHC4LUvSu4M"
            + "8KkYi98ewVkTVco0D+4d+Krd8u4qOA==";
    /** mosquitto_passwd -H sha512 -b file carol c-pass (the salted SHA-512 of Mosquitto 1.6 and before). */
    static final String CAROL = "carol:$6$j8lWM+USTIsEvyb+$COE2ggbvdSaU1hNBBthpl/OVnTSQA+XfyFfw/At8w7lOqO/MwtA3sM8/Qku"
            + "NPYrBjQZDPD+yn6ZT1nHcwlGZaA==";

    @Test
    void mosquittoPbkdf2Line_verifiesItsPassword_andNoOther(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("passwd"), "# users\n\n" + ALICE + "\n" + CAROL + "\n");
        Map<String, PasswordHash> users = PasswordFile.read(f);
        assertEquals(101, users.get("alice").iterations());
        assertTrue(users.get("alice").verify(PasswordHash.utf8("secret-1")));
        assertFalse(users.get("alice").verify(PasswordHash.utf8("secret-2")));
        assertTrue(users.get("carol").verify(PasswordHash.utf8("c-pass")), "$6$ lines are read for migration");
        assertFalse(users.get("carol").verify(PasswordHash.utf8("c-pas")));
        assertEquals(ALICE.substring("alice:".length()), users.get("alice").encode(), "written back as read");
    }

    @Test
    void created_hash_usesDefaultIterations_andRoundTrips() {
        PasswordHash h = PasswordHash.create(PasswordHash.utf8("pw"), 1000);
        PasswordHash back = PasswordHash.parse(h.encode());
        assertTrue(h.encode().startsWith("$7$1000$"));
        assertTrue(back.verify(PasswordHash.utf8("pw")));
        assertFalse(back.verify(PasswordHash.utf8("pw ")));
        assertTrue(PasswordHash.create(new byte[0], 10).verify(new byte[0]), "an empty password is a password");
    }

    @Test
    void badLines_areRefused_namingFileAndLine(@TempDir Path dir) throws Exception {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("bob:plaintext", "plain-text password");
        bad.put("bob:$7$abc$AAAA$AAAA", "iteration count 'abc'");
        bad.put("bob:$7$0$AAAA$" + "A".repeat(88), "iteration count 0");
        bad.put("bob:$7$101$!!$" + "A".repeat(88), "salt is not base64");
        bad.put("bob:$7$101$AAAA$AAAA", "hash is 3 bytes");
        bad.put("nocolon", "expected user:hash");
        bad.put(ALICE + "\n" + ALICE, "appears twice");
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path f = Files.writeString(dir.resolve("passwd"), "# header\n" + e.getKey() + "\n");
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> PasswordFile.read(f));
            assertTrue(x.getMessage().startsWith(f + ":2") || x.getMessage().startsWith(f + ":3"), x.getMessage());
            assertTrue(x.getMessage().contains(e.getValue()), x.getMessage());
        }
    }

    @Test
    void write_isAtomic_mode0600_andReadable(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("passwd");
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        users.put("dev-1", PasswordHash.create(PasswordHash.utf8("a"), 50));
        PasswordFile.write(f, users);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertTrue(PasswordFile.read(f).get("dev-1").verify(PasswordHash.utf8("a")));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
