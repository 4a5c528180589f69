package io.sluice.auth;

import io.sluice.security.Reloadable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A password file in the format Mosquitto's {@code mosquitto_passwd} writes: one {@code user:hash} per line (see
 * {@link PasswordHash}), blank lines and lines starting with {@code #} ignored. Reloadable: {@link #reload} reads and
 * checks the whole file, then swaps it in; a bad line throws naming the file and line, and the previous users stay.
 * Thread-safe; lookups are lock-free.
 */
public final class PasswordFile implements Reloadable {
    /** A file larger than this is refused: it is read whole into memory. */
    static final long MAX_FILE_BYTES = 256L << 20;

    private final Path path;
    private volatile Map<String, PasswordHash> users;
    private final List<Runnable> onChange = new java.util.concurrent.CopyOnWriteArrayList<>();

    private PasswordFile(Path path, Map<String, PasswordHash> users) {
        this.path = path;
        this.users = users;
    }

    /** Reads {@code path}; throws {@link IllegalArgumentException} naming file and line when it is unusable. */
    public static PasswordFile load(Path path) {
        return new PasswordFile(path, read(path));
    }

    /** The stored hash of {@code user}, or null when the file has no such user. */
    public PasswordHash lookup(String user) {
        return users.get(user);
    }

    public int size() {
        return users.size();
    }

    /** Runs {@code r} after every successful reload (the verifier forgets what it remembered). */
    public void onChange(Runnable r) {
        onChange.add(r);
    }

    @Override
    public String describe() {
        return "password file " + path;
    }

    @Override
    public List<Path> files() {
        return List.of(path);
    }

    @Override
    public void reload() {
        users = read(path);
        onChange.forEach(Runnable::run);
    }

    /** Parses a password file; every problem names file and line. */
    public static Map<String, PasswordHash> read(Path path) {
        List<String> lines;
        try {
            if (Files.size(path) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(path + ": larger than " + MAX_FILE_BYTES + " bytes");
            }
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot be read: " + e, e);
        }
        Map<String, PasswordHash> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = path + ":" + (i + 1);
            if (colon <= 0) {
                throw new IllegalArgumentException(where + ": expected user:hash");
            }
            String user = line.substring(0, colon);
            if (out.containsKey(user)) {
                throw new IllegalArgumentException(where + ": user '" + user + "' appears twice");
            }
            try {
                out.put(user, PasswordHash.parse(line.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": user '" + user + "': " + e.getMessage());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Writes {@code users} to {@code path} atomically (a temporary file in the same directory, mode 0600, then a
     * rename), so a daemon watching it never reads half a file. Blocking.
     */
    public static void write(Path path, Map<String, PasswordHash> users) throws IOException {
        List<String> lines = new ArrayList<>();
        users.forEach((u, h) -> lines.add(u + ":" + h.encode()));
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + path.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
