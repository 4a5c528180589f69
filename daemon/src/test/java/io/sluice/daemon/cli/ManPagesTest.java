package io.sluice.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The man pages follow the command model: every command has a page, every option is documented, troff is sane. */
class ManPagesTest {

    @Test
    void everyCommandHasAPage_listedInSluice1_withEveryOption(@TempDir Path dir) throws Exception {
        List<Path> files = ManPages.write(dir, false);
        CommandSpec root = SluiceCommand.commandLine().getCommandSpec();
        List<CommandSpec> commands = ManPages.commands(root);
        assertTrue(commands.stream().anyMatch(c -> c.qualifiedName(" ").equals("sluice config check")));
        assertTrue(commands.stream().anyMatch(c -> c.qualifiedName(" ").equals("sluice fanout")));
        assertEquals(commands.size() + 1, files.size());

        String top = Files.readString(dir.resolve("sluice.1"));
        for (CommandSpec c : commands) {
            Path page = dir.resolve(ManPages.pageName(c) + ".1");
            assertTrue(Files.exists(page), page.toString());
            assertTrue(top.contains(ManPages.escape(c.qualifiedName(" "))), "sluice.1 lists " + c.qualifiedName(" "));
            String troff = Files.readString(page);
            for (OptionSpec o : c.options()) {
                if (!o.hidden()) {
                    assertTrue(troff.contains("\\fB" + ManPages.escape(o.longestName()) + "\\fR"),
                            page + " documents " + o.longestName());
                }
            }
        }
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f);
            assertTrue(lines.get(0).startsWith(".TH "), f.toString());
            assertTrue(lines.contains(".SH NAME") && lines.contains(".SH SYNOPSIS") && lines.contains(".SH OPTIONS"),
                    f.toString());
            for (String l : lines) {
                // a line from description text never starts with a control character troff would interpret
                assertFalse(l.startsWith("'"), f + ": " + l);
                if (l.startsWith(".")) {
                    assertTrue(l.matches("\\.(TH|SH|TP|B|I|BR) ?.*"), f + ": " + l);
                }
            }
        }
    }

    @Test
    void gzippedPages_decompressToTheSameTroff(@TempDir Path dir) throws Exception {
        ManPages.write(dir.resolve("plain"), false);
        ManPages.write(dir.resolve("gz"), true);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("gz/sluice-run.1.gz")))) {
            assertEquals(Files.readString(dir.resolve("plain/sluice-run.1")),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
