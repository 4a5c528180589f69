package io.sluice.daemon.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the man pages (section 1) from the picocli model of the {@code sluice} command, so they never drift from
 * it: {@code sluice.1} and one page per subcommand ({@code sluice-config-check.1}, ...). The packages install them
 * gzipped under /usr/share/man/man1. Usage: {@code ManPages DIR [--gzip]}.
 */
public final class ManPages {
    private static final List<String> SKIPPED = List.of("help", "generate-completion");

    private ManPages() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ManPages DIR [--gzip]");
            System.exit(64);
        }
        List<Path> written = write(Path.of(args[0]), args.length > 1 && args[1].equals("--gzip"));
        System.out.println(written.size() + " man pages in " + args[0]);
    }

    /** Writes every page into {@code dir}; returns the files. */
    public static List<Path> write(Path dir, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        CommandLine root = SluiceCommand.commandLine();
        out.add(save(dir, "sluice", topPage(root.getCommandSpec()), gzip));
        for (CommandSpec spec : commands(root.getCommandSpec())) {
            out.add(save(dir, pageName(spec), commandPage(spec), gzip));
        }
        return out;
    }

    /** Every documented subcommand, nested ones included, in model order. */
    static List<CommandSpec> commands(CommandSpec spec) {
        List<CommandSpec> all = new ArrayList<>();
        for (CommandLine sub : spec.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (SKIPPED.contains(s.name()) || all.contains(s) || s.usageMessage().hidden()) {
                continue;
            }
            all.add(s);
            all.addAll(commands(s));
        }
        return all.stream().distinct().toList();
    }

    static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    private static Path save(Path dir, String name, String troff, boolean gzip) throws IOException {
        Path file = dir.resolve(name + ".1" + (gzip ? ".gz" : ""));
        byte[] bytes = troff.getBytes(StandardCharsets.UTF_8);
        if (!gzip) {
            Files.write(file, bytes);
            return file;
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(bytes); // GZIPOutputStream writes no name and a zero mtime: reproducible
        }
        return file;
    }

    private static String header(String name, String summary) {
        return ".TH " + escape(name.toUpperCase(java.util.Locale.ROOT)) + " 1 \"\" \"sluice "
                + escape(VersionProvider.version()) + "\" \"Sluice Manual\"\n"
                + ".SH NAME\n" + escape(name) + " \\- " + escape(summary) + "\n";
    }

    static String topPage(CommandSpec spec) {
        StringBuilder b = new StringBuilder(header("sluice", description(spec)));
        b.append(".SH SYNOPSIS\n.B sluice\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n");
        b.append(".SH DESCRIPTION\n").append(escape("Sluice terminates MQTT (and MQTT-SN and line protocol over UDP)"
                + " from very many sensors and acknowledges a reading only once a replicated Kafka log holds it; its"
                + " fan-out writes the log on to an InfluxDB-compatible TSDB. The sluice command runs the daemon and"
                + " inspects or manages a running one through its admin endpoint.")).append('\n');
        b.append(".SH COMMANDS\n");
        for (CommandSpec c : commands(spec)) {
            b.append(".TP\n.B ").append(escape(c.qualifiedName(" "))).append('\n')
                    .append(escape(description(c))).append("\nSee \\fB").append(escape(pageName(c)))
                    .append("\\fR(1).\n");
        }
        b.append(".SH OPTIONS\n");
        options(b, spec);
        b.append(".SH EXIT STATUS\n")
                .append(".TP\n.B 0\nsuccess (a daemon stopped after draining everything in flight)\n")
                .append(".TP\n.B 1\na drain that timed out, a topic that differs from what was asked, or not found\n")
                .append(".TP\n.B 69\nKafka or the daemon is unavailable\n")
                .append(".TP\n.B 77\nthe admin token was refused or cannot be read\n")
                .append(".TP\n.B 78\nthe configuration is invalid\n");
        b.append(".SH FILES\n")
                .append(".TP\n.I /etc/sluice/sluice.yaml\nthe configuration (see \\fBsluice config reference\\fR)\n")
                .append(".TP\n.I /var/lib/sluice/admin.token\nthe admin token the commands use\n")
                .append(".TP\n.I /lib/systemd/system/sluice.service\nthe systemd unit\n");
        b.append(".SH SEE ALSO\n");
        List<String> refs = new ArrayList<>();
        for (CommandSpec c : commands(spec)) {
            refs.add("\\fB" + escape(pageName(c)) + "\\fR(1)");
        }
        b.append(String.join(", ", refs)).append('\n');
        return b.toString();
    }

    static String commandPage(CommandSpec spec) {
        StringBuilder b = new StringBuilder(header(pageName(spec), description(spec)));
        b.append(".SH SYNOPSIS\n.B ").append(escape(spec.qualifiedName(" "))).append('\n');
        if (!spec.subcommands().isEmpty()) {
            b.append("\\fISUBCOMMAND\\fR ");
        }
        b.append("[\\fIOPTIONS\\fR]");
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                b.append(" \\fI").append(escape(p.paramLabel())).append("\\fR");
            }
        }
        b.append("\n.SH DESCRIPTION\n").append(escape(String.join(" ", spec.usageMessage().description())))
                .append('\n');
        List<CommandSpec> subs = commands(spec).stream().filter(s -> s.parent() == spec).toList();
        if (!subs.isEmpty()) {
            b.append(".SH COMMANDS\n");
            for (CommandSpec c : subs) {
                b.append(".TP\n.B ").append(escape(c.name())).append('\n').append(escape(description(c)))
                        .append("\nSee \\fB").append(escape(pageName(c))).append("\\fR(1).\n");
            }
        }
        if (!spec.positionalParameters().isEmpty()) {
            b.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : spec.positionalParameters()) {
                if (!p.hidden()) {
                    b.append(".TP\n.I ").append(escape(p.paramLabel())).append('\n')
                            .append(escape(String.join(" ", p.description()))).append('\n');
                }
            }
        }
        b.append(".SH OPTIONS\n");
        options(b, spec);
        b.append(".SH SEE ALSO\n\\fBsluice\\fR(1)\n");
        return b.toString();
    }

    private static void options(StringBuilder b, CommandSpec spec) {
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            b.append(".TP\n");
            List<String> names = new ArrayList<>();
            for (String n : o.names()) {
                names.add("\\fB" + escape(n) + "\\fR");
            }
            b.append(String.join(", ", names));
            if (o.arity().max() > 0 && !o.paramLabel().isEmpty()) {
                b.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
            }
            b.append('\n');
            String description = String.join(" ", o.description())
                    .replace("${DEFAULT-VALUE}", String.valueOf(o.defaultValue()));
            b.append(escape(description.isBlank() ? "(no description)" : description));
            if (o.defaultValue() != null && !description.contains(o.defaultValue())) {
                b.append(" Default: ").append(escape(o.defaultValue())).append('.');
            }
            b.append('\n');
        }
    }

    private static String description(CommandSpec spec) {
        String[] d = spec.usageMessage().description();
        return d.length == 0 ? spec.name() : d[0];
    }

    /** Text safe in a troff line: backslashes and hyphens escaped, no line starting with a control character. */
    static String escape(String text) {
        String s = text.replace("\\", "\\e").replace("-", "\\-").replace("\n", " ");
        return s.startsWith(".") || s.startsWith("'") ? "\\&" + s : s;
    }
}
