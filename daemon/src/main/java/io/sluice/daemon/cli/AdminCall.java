package io.sluice.daemon.cli;

import io.sluice.daemon.admin.AdminToken;
import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** What the admin commands share: find the endpoint and token from the config, call it, map failures to exit codes. */
final class AdminCall {
    /** Exit code when the token is wrong or unreadable (sysexits EX_NOPERM). */
    static final int EXIT_NO_PERMISSION = 77;

    @Option(names = {"-c", "--config"}, defaultValue = "/etc/sluice/sluice.yaml", paramLabel = "FILE",
            description = "the daemon's config, to find admin.host, admin.port and admin.token_file (default ${DEFAULT-VALUE})")
    Path configFile;

    @Option(names = "--port", description = "admin port, overriding admin.port from the config")
    Integer port;

    @Option(names = "--json", description = "print JSON for scripts instead of text")
    boolean json;

    /** Calls the route and prints the body; returns the exit code. */
    int call(String method, String route) {
        SluiceConfig config;
        try {
            config = ConfigLoader.load(configFile);
        } catch (ConfigException e) {
            e.problems().forEach(System.err::println);
            return SluiceCommand.EXIT_CONFIG;
        }
        var admin = config.admin();
        String token;
        try {
            token = AdminToken.read(Path.of(admin.tokenFile()));
        } catch (IOException e) {
            System.err.println("cannot read the admin token " + admin.tokenFile() + " (" + e.getMessage()
                    + "): run as root or a member of the sluice group, or is the daemon not started yet?");
            return EXIT_NO_PERMISSION;
        }
        int p = port != null ? port : admin.port();
        String sep = route.contains("?") ? "&" : "?";
        URI uri = URI.create("http://" + admin.host() + ":" + p + route + (json ? "" : sep + "format=text"));
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setRequestMethod(method);
            c.setConnectTimeout(3000);
            c.setReadTimeout(Math.max(10_000, config.shutdown().drainTimeoutMs() + 5000));
            c.setRequestProperty("Authorization", "Bearer " + token);
            int code = c.getResponseCode();
            InputStream body = code < 400 ? c.getInputStream() : c.getErrorStream();
            String text = body == null ? "" : new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if (code == 401) {
                System.err.println("the admin endpoint refused the token in " + admin.tokenFile());
                return EXIT_NO_PERMISSION;
            }
            (code < 400 ? System.out : System.err).print(text);
            return code < 400 ? 0 : 1;
        } catch (ConnectException e) {
            System.err.println("Sluice is not running (nothing answers on " + admin.host() + ":" + p + ")");
            return SluiceCommand.EXIT_UNAVAILABLE;
        } catch (IOException e) {
            System.err.println("admin call " + uri + " failed: " + e.getMessage());
            return SluiceCommand.EXIT_UNAVAILABLE;
        }
    }
}
