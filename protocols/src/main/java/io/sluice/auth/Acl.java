package io.sluice.auth;

import io.sluice.security.Identity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An access control list in Mosquitto's {@code acl_file} format, parsed and immutable:
 * <pre>
 * # anonymous clients: the topic lines before the first user line
 * topic read public/#
 * user sensor-1
 * topic write sensors/sensor-1/#
 * topic deny sensors/sensor-1/secret
 * pattern write devices/%u/#      # every client; %u the identity, %c the client id
 * </pre>
 * {@code topic [read|write|readwrite|deny] FILTER} (no access word means readwrite) applies to the user of the
 * {@code user NAME} line above it, or to anonymous clients before any; {@code pattern} lines apply to every client,
 * wherever they stand, with a level of exactly {@code %c} or {@code %u} replaced (a pattern naming {@code %u} never
 * applies to an anonymous client, nor one whose value holds {@code / + #}). Default deny: what no line allows is
 * refused, and a {@code deny} line wins over any that allows. A PUBLISH needs a write line matching its topic; a
 * SUBSCRIBE needs a read line covering every topic its filter can match, and is refused by a deny line only when that
 * line covers the whole filter (a deny line that matches some of its topics is applied per message, at delivery,
 * where the topic asked about is a name). Thread-safe (immutable); {@link #allowed} walks the lines that apply (callers cache its answers).
 */
public final class Acl {
    /** What a client wants to do. */
    public enum Access { WRITE, READ }

    private record Rule(boolean read, boolean write, boolean deny, String filter) {
    }

    private final List<Rule> anonymous;
    private final Map<String, List<Rule>> users;
    private final List<Rule> patterns;

    private Acl(List<Rule> anonymous, Map<String, List<Rule>> users, List<Rule> patterns) {
        this.anonymous = anonymous;
        this.users = users;
        this.patterns = patterns;
    }

    /** Reads and checks an ACL file; every problem names file and line. */
    public static Acl read(Path path) {
        List<String> lines;
        try {
            if (Files.size(path) > PasswordFile.MAX_FILE_BYTES) {
                throw new IllegalArgumentException(path + ": larger than " + PasswordFile.MAX_FILE_BYTES + " bytes");
            }
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot be read: " + e, e);
        }
        List<Rule> anonymous = new ArrayList<>();
        Map<String, List<Rule>> users = new HashMap<>();
        List<Rule> patterns = new ArrayList<>();
        List<Rule> current = anonymous;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = path + ":" + (i + 1);
            int sp = line.indexOf(' ');
            String word = sp < 0 ? line : line.substring(0, sp);
            String rest = sp < 0 ? "" : line.substring(sp + 1).strip();
            switch (word) {
                case "user" -> {
                    if (rest.isEmpty()) {
                        throw new IllegalArgumentException(where + ": 'user' needs a name");
                    }
                    current = users.computeIfAbsent(rest, u -> new ArrayList<>());
                }
                case "topic" -> current.add(rule(rest, where));
                case "pattern" -> patterns.add(rule(rest, where));
                default -> throw new IllegalArgumentException(where + ": unknown line '" + word
                        + "' (expected user, topic or pattern)");
            }
        }
        Map<String, List<Rule>> frozen = new HashMap<>();
        users.forEach((u, r) -> frozen.put(u, List.copyOf(r)));
        return new Acl(List.copyOf(anonymous), Map.copyOf(frozen), List.copyOf(patterns));
    }

    private static Rule rule(String text, String where) {
        int sp = text.indexOf(' ');
        String first = sp < 0 ? text : text.substring(0, sp);
        String filter = text;
        String access = "readwrite";
        if (sp > 0 && List.of("read", "write", "readwrite", "deny").contains(first)) {
            access = first;
            filter = text.substring(sp + 1).strip();
        }
        if (filter.isEmpty() || List.of("read", "write", "readwrite", "deny").contains(filter)) {
            throw new IllegalArgumentException(where + ": needs a topic filter");
        }
        if (!validFilter(filter)) {
            throw new IllegalArgumentException(where + ": '" + filter + "' is not a valid topic filter"
                    + " (# only as the last level, + and # alone in their level)");
        }
        return new Rule(access.startsWith("read"), access.endsWith("write"), access.equals("deny"), filter);
    }

    private static boolean validFilter(String f) {
        String[] levels = f.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String l = levels[i];
            if ((l.contains("#") && (!l.equals("#") || i != levels.length - 1)) || (l.contains("+") && !l.equals("+"))) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code identity} (connected as {@code clientId}) may do {@code access} on {@code topic}. */
    public boolean allowed(Identity identity, String clientId, String topic, Access access) {
        List<Rule> own = identity.anonymous() ? anonymous : users.getOrDefault(identity.name(), List.of());
        boolean granted = false;
        for (int pass = 0; pass < 2; pass++) {
            for (Rule r : pass == 0 ? own : patterns) {
                String filter = pass == 0 ? r.filter : substitute(r.filter, identity, clientId);
                if (filter == null) {
                    continue;
                }
                if (r.deny) {
                    if (TopicMatch.covers(filter, topic)) { // a name: matches; a filter: every topic it can match
                        return false;
                    }
                } else if (!granted && (access == Access.WRITE ? r.write && TopicMatch.matches(filter, topic)
                        : r.read && TopicMatch.covers(filter, topic))) {
                    granted = true; // keep looking: a deny line may still refuse it
                }
            }
        }
        return granted;
    }

    /** The pattern with %c and %u levels replaced, or null when it cannot apply to this client. */
    private static String substitute(String pattern, Identity identity, String clientId) {
        if (!pattern.contains("%")) {
            return pattern;
        }
        String[] levels = pattern.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String value = switch (levels[i]) {
                case "%c" -> clientId;
                case "%u" -> identity.anonymous() ? null : identity.name();
                default -> levels[i];
            };
            if (value == null || value.isEmpty() || (value != levels[i] && (value.contains("/")
                    || value.contains("+") || value.contains("#")))) {
                return null;
            }
            levels[i] = value;
        }
        return String.join("/", levels);
    }

    /** Lines read (for the log). */
    public int ruleCount() {
        return anonymous.size() + patterns.size() + users.values().stream().mapToInt(List::size).sum();
    }
}
