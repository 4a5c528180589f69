package io.sluice.daemon.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The admin bearer token: read from its file, or created there (mode 0640) with 32 random bytes. */
public final class AdminToken {
    private AdminToken() {
    }

    /** Reads the token, creating the file first if it does not exist. */
    public static String loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                String token = HexFormat.of().formatHex(random);
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r-----")));
                    Files.writeString(file, token + "\n");
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first: use theirs
                }
            }
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the admin token file " + file + " (admin.token_file): "
                    + e.getMessage(), e);
        }
    }

    public static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }

    /** Constant-time comparison of a presented token with the expected one. */
    static boolean matches(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
