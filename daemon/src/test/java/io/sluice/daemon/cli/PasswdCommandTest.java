package io.sluice.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.PasswordFile;
import io.sluice.auth.PasswordHash;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice passwd}: creates, changes and deletes users in a mosquitto_passwd-format file. */
class PasswdCommandTest {
    private static CliRun passwd(String stdin, String... args) {
        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            String[] all = new String[args.length + 1];
            all[0] = "passwd";
            System.arraycopy(args, 0, all, 1, args.length);
            return CliRun.sluice(all);
        } finally {
            System.setIn(old);
        }
    }

    @Test
    void create_add_change_delete_writeMode0600_withDefaultIterations(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("passwd");
        assertEquals(0, passwd("pw-1\n", "-c", "--password-stdin", f.toString(), "dev-1").exit());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(0, passwd("pw-2\n", "--password-stdin", "--iterations", "1000", f.toString(), "dev-2").exit());
        Map<String, PasswordHash> users = PasswordFile.read(f);
        assertEquals(PasswordHash.DEFAULT_ITERATIONS, users.get("dev-1").iterations());
        assertTrue(Files.readString(f).startsWith("dev-1:$7$" + PasswordHash.DEFAULT_ITERATIONS + "$"));
        assertTrue(users.get("dev-1").verify("pw-1".getBytes(StandardCharsets.UTF_8)));
        assertTrue(users.get("dev-2").verify("pw-2".getBytes(StandardCharsets.UTF_8)));

        assertEquals(0, passwd("new\n", "--password-stdin", "--iterations", "1000", f.toString(), "dev-1").exit());
        assertTrue(PasswordFile.read(f).get("dev-1").verify("new".getBytes(StandardCharsets.UTF_8)));
        assertFalse(PasswordFile.read(f).get("dev-1").verify("pw-1".getBytes(StandardCharsets.UTF_8)));

        assertEquals(0, passwd("", "-D", f.toString(), "dev-2").exit());
        assertEquals(List.of("dev-1"), List.copyOf(PasswordFile.read(f).keySet()));
        CliRun missing = passwd("", "-D", f.toString(), "dev-2");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("has no user 'dev-2'"), missing.err());
    }

    @Test
    void refusesBadNames_missingFiles_andNoPassword(@TempDir Path dir) {
        Path f = dir.resolve("passwd");
        assertEquals(2, passwd("x\n", "-c", "--password-stdin", f.toString(), "a:b").exit());
        CliRun noFile = passwd("x\n", "--password-stdin", f.toString(), "dev");
        assertEquals(1, noFile.exit());
        assertTrue(noFile.err().contains("does not exist (-c creates it)"), noFile.err());
        assertEquals(1, passwd("", "-c", "--password-stdin", f.toString(), "dev").exit());
        assertFalse(Files.exists(f), "nothing written without a password");
    }
}
