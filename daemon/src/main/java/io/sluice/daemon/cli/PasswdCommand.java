package io.sluice.daemon.cli;

import io.sluice.auth.PasswordFile;
import io.sluice.auth.PasswordHash;
import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice passwd FILE USER}: adds a user to a password file, changes its password, or removes it; the file is
 * in the format mosquitto_passwd writes, so either tool can manage it. Runs on the caller's thread, blocking.
 */
@Command(name = "passwd", description = {
        "Add a user to a password file (auth.password_file), change its password, or remove it (-D).",
        "Writes PBKDF2-SHA512 hashes in the format mosquitto_passwd writes ($7$), with "
                + PasswordHash.DEFAULT_ITERATIONS + " iterations unless --iterations says otherwise; the file is"
                + " replaced atomically with mode 0600, so a running daemon reloads it whole. Comment lines are not"
                + " kept."})
final class PasswdCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the password file")
    Path file;

    @Parameters(index = "1", paramLabel = "USER", description = "the user name (as clients send it in CONNECT)")
    String user;

    @Option(names = "-c", description = "create a new file (replacing one that exists)")
    boolean create;

    @Option(names = "-D", description = "delete USER instead of setting a password")
    boolean delete;

    @Option(names = "--password-stdin", description = "read the password from the first line of standard input"
            + " instead of asking on the terminal")
    boolean passwordStdin;

    @Option(names = "--iterations", paramLabel = "N", description = "PBKDF2 iterations (default ${DEFAULT-VALUE})")
    int iterations = PasswordHash.DEFAULT_ITERATIONS;

    @Override
    public Integer call() throws Exception {
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isISOControl)) {
            System.err.println("sluice passwd: user name '" + user + "' is empty or holds ':' or a control character");
            return 2;
        }
        if (iterations < 1 || iterations > PasswordHash.MAX_ITERATIONS) {
            System.err.println("sluice passwd: --iterations must be between 1 and " + PasswordHash.MAX_ITERATIONS);
            return 2;
        }
        if (create && delete) {
            System.err.println("sluice passwd: -c and -D exclude each other");
            return 2;
        }
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        if (!create) {
            if (!Files.exists(file)) {
                System.err.println("sluice passwd: " + file + " does not exist (-c creates it)");
                return 1;
            }
            try {
                users.putAll(PasswordFile.read(file));
            } catch (IllegalArgumentException e) {
                System.err.println("sluice passwd: " + e.getMessage());
                return 1;
            }
        }
        if (delete) {
            if (users.remove(user) == null) {
                System.err.println("sluice passwd: " + file + " has no user '" + user + "'");
                return 1;
            }
        } else {
            byte[] password = readPassword();
            if (password == null) {
                return 1;
            }
            users.put(user, PasswordHash.create(password, iterations));
            Arrays.fill(password, (byte) 0);
        }
        PasswordFile.write(file, users);
        return 0;
    }

    private byte[] readPassword() throws Exception {
        if (passwordStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                System.err.println("sluice passwd: no password on standard input");
                return null;
            }
            return line.getBytes(StandardCharsets.UTF_8);
        }
        Console console = System.console();
        if (console == null) {
            System.err.println("sluice passwd: no terminal to ask for the password on; use --password-stdin");
            return null;
        }
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Reenter password: ");
        try {
            if (first == null || first.length == 0 || !Arrays.equals(first, second)) {
                System.err.println("sluice passwd: the passwords are empty or do not match");
                return null;
            }
            return new String(first).getBytes(StandardCharsets.UTF_8);
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (second != null) {
                Arrays.fill(second, '\0');
            }
        }
    }
}
