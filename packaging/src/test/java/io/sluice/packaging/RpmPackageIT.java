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

/** The .rpm's header, files, modes, config files and scriptlets, read with rpm -qp (Debian's rpm package). */
class RpmPackageIT {
    private static final Path RPM = Path.of("target", "sluice-0.1.0-SNAPSHOT.x86_64.rpm");

    private static String rpm(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("rpm"));
        cmd.addAll(List.of(args));
        cmd.add(RPM.toString());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void rpm_holdsTheSameLayoutAsTheDeb_withUserCreationScriptlets() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/rpm")), "rpm (Debian package 'rpm') is needed to read the package");
        assertTrue(rpm("-qpi").contains("Architecture: x86_64"));
        String files = rpm("-qlvp");
        assertTrue(files.matches("(?s).*-rwxr-xr-x +1 root +root .* /usr/bin/sluice\n.*"), files);
        assertTrue(files.matches("(?s).*-rwxr-xr-x +1 root +root .* /usr/lib/sluice/runtime/bin/java\n.*"), files);
        assertTrue(files.matches("(?s).*-rw-r----- +1 root +root .* /etc/sluice/sluice\\.yaml\n.*"), files);
        assertTrue(files.matches("(?s).*drwxr-x--- +\\d+ root +root .* /var/lib/sluice\n.*"), files);
        assertTrue(files.contains("/usr/lib/systemd/system/sluice.service"), files);
        assertTrue(files.contains("/usr/share/bash-completion/completions/sluice"), files);
        assertTrue(files.matches("(?s).*-rw-r--r-- +1 root +root .* /usr/share/man/man1/sluice\\.1\\.gz\n.*"), files);
        assertTrue(files.matches("(?s).*-rw-r--r-- +1 root +root .* /usr/share/man/man1/sluice-status\\.1\\.gz\n.*"),
                files);
        assertTrue(files.contains("/usr/lib/sluice/lib/sluice-daemon-0.1.0-SNAPSHOT.jar"), files);
        assertEquals(List.of("/etc/security/limits.d/sluice.conf", "/etc/sluice/sluice.yaml"),
                rpm("-qcp").lines().sorted().toList());
        String scripts = rpm("-qp", "--scripts");
        assertTrue(scripts.contains("useradd -r -g sluice"), scripts);
        assertTrue(scripts.contains("userdel sluice"), scripts);
        assertTrue(scripts.contains("[ -d /run/systemd/system ]"), "scriptlets never start a daemon without systemd");
    }
}
