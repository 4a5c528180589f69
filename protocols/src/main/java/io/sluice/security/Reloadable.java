package io.sluice.security;

import java.nio.file.Path;
import java.util.List;

/**
 * Something built from files that can be rebuilt while running (TLS certificates and keys, CA bundle, CRL, password
 * file, ACL file). {@link FileWatch} calls {@link #reload()} on SIGHUP and when one of {@link #files()} changes.
 *
 * <p>Contract: {@code reload()} reads and validates everything first and swaps it in atomically only when all of it
 * is valid; on any problem it throws with a message naming the file (and line, where there is one) and keeps the
 * previous state. New connections see the new state; existing ones are not affected. Thread-safe.
 */
public interface Reloadable {
    /** What this is, for log lines: "TLS certificate of listener mqtt-tls", "password file". */
    String describe();

    /** The files it is built from (watched for changes). */
    List<Path> files();

    /** Re-reads every file; throws, keeping the old state, when any of them is unusable. */
    void reload() throws Exception;
}
