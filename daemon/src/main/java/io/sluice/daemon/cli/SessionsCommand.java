package io.sluice.daemon.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sessions", description = "List, show or kick MQTT sessions.",
        subcommands = {SessionsCommand.ListSessions.class, SessionsCommand.Show.class, SessionsCommand.Kick.class})
final class SessionsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "list", description = "Sessions this node knows: persistent ones and connected clients.")
    static final class ListSessions implements Callable<Integer> {
        @Mixin
        AdminCall admin = new AdminCall();

        @Option(names = "--limit", defaultValue = "1000")
        int limit;

        @Override
        public Integer call() {
            return admin.call("GET", "/sessions?limit=" + limit);
        }
    }

    @Command(name = "show", description = "One session.")
    static final class Show implements Callable<Integer> {
        @Mixin
        AdminCall admin = new AdminCall();

        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Override
        public Integer call() {
            return admin.call("GET", "/sessions/" + URLEncoder.encode(clientId, StandardCharsets.UTF_8));
        }
    }

    @Command(name = "kick", description = "Close a client's connection (MQTT 5 gets DISCONNECT 0x98); its session stays.")
    static final class Kick implements Callable<Integer> {
        @Mixin
        AdminCall admin = new AdminCall();

        @Parameters(paramLabel = "CLIENT_ID")
        String clientId;

        @Override
        public Integer call() {
            return admin.call("POST", "/sessions/" + URLEncoder.encode(clientId, StandardCharsets.UTF_8) + "/kick");
        }
    }
}
