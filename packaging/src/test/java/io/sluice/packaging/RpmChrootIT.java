package io.sluice.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The .rpm installed for real: into a minimal Debian root made with debootstrap (the documented stand-in for an
 * rpm-based host here), with rpm --root running its scriptlets inside it. The sluice user must be created and the
 * bundled runtime must run the command as that user. Root only; the root directory is removed afterwards.
 */
class RpmChrootIT {
    private static final Path RPM = Path.of("target", "sluice-0.1.0-SNAPSHOT.x86_64.rpm").toAbsolutePath();

    private static String run(long timeoutSeconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }

    @Test
    void rpm_installsIntoAMinimalRoot_createsItsUser_andRunsAsIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (debootstrap, chroot, mount)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/debootstrap")) && Files.isExecutable(Path.of("/usr/bin/rpm")),
                "needs Debian's debootstrap and rpm packages");
        Path root = Files.createTempDirectory("sluice-rpm-root");
        // it becomes "/" inside the chroot: every user must be able to traverse it
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        boolean procMounted = false;
        try {
            run(600, "debootstrap", "--variant=minbase", "bookworm", root.toString(), "http://deb.debian.org/debian");
            run(60, "rpm", "--root", root.toString(), "--initdb");
            run(120, "rpm", "--root", root.toString(), "-i", "--nodeps", RPM.toString());
            run(10, "mount", "-t", "proc", "proc", root.resolve("proc").toString());
            procMounted = true;

            assertTrue(run(10, "chroot", root.toString(), "id", "sluice").contains("(sluice)"), "scriptlet created the user");
            assertEquals("drwxr-x--- sluice sluice", run(10, "chroot", root.toString(), "stat", "-c", "%A %U %G",
                    "/var/lib/sluice").trim());
            assertEquals("-rw-r----- root sluice", run(10, "chroot", root.toString(), "stat", "-c", "%A %U %G",
                    "/etc/sluice/sluice.yaml").trim());
            String version = run(60, "chroot", root.toString(), "runuser", "-u", "sluice", "--", "/usr/bin/sluice", "version");
            assertTrue(version.startsWith("sluice 0.1.0-SNAPSHOT (Java 25"), version);
            String check = run(60, "chroot", root.toString(), "runuser", "-u", "sluice", "--", "/usr/bin/sluice",
                    "config", "check", "/etc/sluice/sluice.yaml");
            assertTrue(check.contains("OK"), check);

            run(60, "rpm", "--root", root.toString(), "-e", "sluice");
            // rpm -e removes every file; the builder does not list collected directories as owned, so empty
            // directories under /usr/lib/sluice may stay (a known gap)
            try (var left = Files.walk(root.resolve("usr/lib/sluice"))) {
                List<Path> files = left.filter(Files::isRegularFile).toList();
                assertTrue(files.isEmpty(), "erase removes the files: " + files);
            } catch (java.nio.file.NoSuchFileException alreadyGone) {
                // nothing left at all
            }
            assertTrue(!Files.exists(root.resolve("usr/bin/sluice")));
            Process gone = new ProcessBuilder(List.of("chroot", root.toString(), "id", "sluice")).start();
            assertTrue(gone.waitFor(10, TimeUnit.SECONDS) && gone.exitValue() != 0, "erase removes the user");
        } finally {
            if (procMounted) {
                run(30, "umount", root.resolve("proc").toString());
            }
            run(120, "rm", "-rf", "--one-file-system", root.toString());
        }
    }
}
