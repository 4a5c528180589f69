package io.sluice.daemon.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Checks of the auth section and of what it implies for the listeners (secure by default, as Mosquitto 2): a
 * listener on a non-loopback address with no way to authenticate and no {@code auth.allow_anonymous} would refuse
 * every remote client, and a UDP listener there would take anonymous datagrams from anyone; both are named. The
 * password and ACL files are read, so a broken line is reported with its file and line.
 */
final class AuthRules {
    private AuthRules() {
    }

    static void check(ConfigValues v, List<String> problems) {
        String passwords = v.string("auth.password_file");
        String acl = v.string("auth.acl_file");
        if (!passwords.isEmpty()) {
            try {
                io.sluice.auth.PasswordFile.read(Path.of(passwords));
            } catch (IllegalArgumentException e) {
                problems.add(v.where("auth.password_file") + ": auth.password_file: " + e.getMessage());
            }
        }
        if (!acl.isEmpty()) {
            try {
                io.sluice.auth.Acl.read(Path.of(acl));
            } catch (IllegalArgumentException e) {
                problems.add(v.where("auth.acl_file") + ": auth.acl_file: " + e.getMessage());
            }
        }
        if (v.bool("auth.allow_anonymous")) {
            return;
        }
        if (passwords.isEmpty()) {
            for (String listener : List.of("mqtt", "mqtt_tls")) {
                if (ConfigSchema.key(listener + ".host") == null || !enabled(v, listener)) {
                    continue;
                }
                if (listener.equals("mqtt_tls") && !v.string("mqtt_tls.client_auth").equals("none")) {
                    continue; // client certificates authenticate the clients of this listener
                }
                String host = v.string(listener + ".host");
                if (!loopback(host)) {
                    problems.add(v.where(listener + ".host") + ": " + listener + ".host: '" + host + "' is not a"
                            + " loopback address and no authentication is configured, so this listener would refuse"
                            + " every client connecting from elsewhere (CONNACK not authorized); set"
                            + " auth.password_file, or auth.allow_anonymous: true to accept anonymous clients there");
                }
            }
        }
        for (String udp : List.of("mqtt_sn", "line_udp")) {
            if (v.bool(udp + ".enabled") && !loopback(v.string(udp + ".host"))
                    && v.string(udp + ".allowed_sources").isBlank()) {
                problems.add(v.where(udp + ".host") + ": " + udp + ".host: '" + v.string(udp + ".host") + "': "
                        + udp + " datagrams carry no credentials, so every sender is anonymous; with"
                        + " auth.allow_anonymous off, a listener on a non-loopback address needs " + udp
                        + ".allowed_sources (the networks allowed to send), or set auth.allow_anonymous: true");
            }
        }
    }

    private static boolean enabled(ConfigValues v, String section) {
        return ConfigSchema.key(section + ".enabled") == null || v.bool(section + ".enabled");
    }

    /** A loopback address literal or "localhost" (no name is looked up: a config check makes no DNS queries). */
    static boolean loopback(String host) {
        String h = host.strip();
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (!h.matches("[0-9.]+") && !h.contains(":")) {
            return false;
        }
        try {
            return java.net.InetAddress.getByName(h).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
