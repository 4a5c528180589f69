package io.sluice.auth;

import io.sluice.security.Reloadable;
import java.nio.file.Path;
import java.util.List;

/**
 * The ACL file in use: an {@link Acl} that {@link #reload} replaces atomically when the file changes (a broken file
 * throws naming file and line and the previous ACL stays). Each reload bumps {@link #generation()}, so per-connection
 * caches of decisions ({@link TopicPermissions}) start over. Thread-safe.
 */
public final class AclFile implements Reloadable {
    private final Path path;
    private volatile Acl acl;
    private volatile int generation;

    private AclFile(Path path, Acl acl) {
        this.path = path;
        this.acl = acl;
    }

    /** Reads {@code path}; throws {@link IllegalArgumentException} naming file and line when it is unusable. */
    public static AclFile load(Path path) {
        return new AclFile(path, Acl.read(path));
    }

    public Acl acl() {
        return acl;
    }

    /** Changes with every successful reload. */
    public int generation() {
        return generation;
    }

    @Override
    public String describe() {
        return "ACL file " + path;
    }

    @Override
    public List<Path> files() {
        return List.of(path);
    }

    @Override
    public synchronized void reload() {
        Acl next = Acl.read(path);
        acl = next;
        generation++;
    }
}
