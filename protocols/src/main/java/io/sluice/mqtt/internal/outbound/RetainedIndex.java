package io.sluice.mqtt.internal.outbound;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The retained topics as a tree of their levels, so a SUBSCRIBE finds the retained topics its filter matches by
 * walking the levels the filter names, not by testing every retained topic: {@code cmd/dev-1/#} visits the
 * {@code cmd/dev-1} branch only, however many devices have retained messages.
 *
 * <p>Threading: not thread-safe; {@link RetainedMessages} guards it with a read-write lock (written on the delivery
 * log's thread, read on event loops).
 */
final class RetainedIndex {
    /** About what one level node holds (the node, its entry in its parent's map, the map, the level's string). */
    static final int LEVEL_BYTES = 160;

    private static final class Node {
        final Node parent;
        final String level;
        Map<String, Node> children;
        String topic; // non-null when a retained topic ends here

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }
    }

    private final Node root = new Node(null, null);

    static int levels(String topic) {
        int n = 1;
        for (int i = topic.indexOf('/'); i >= 0; i = topic.indexOf('/', i + 1)) {
            n++;
        }
        return n;
    }

    void add(String topic) {
        Node n = root;
        for (String level : topic.split("/", -1)) {
            if (n.children == null) {
                n.children = new HashMap<>(2);
            }
            Node parent = n;
            n = n.children.computeIfAbsent(level, l -> new Node(parent, l));
        }
        n.topic = topic;
    }

    void remove(String topic) {
        Node n = root;
        for (String level : topic.split("/", -1)) {
            n = n.children == null ? null : n.children.get(level);
            if (n == null) {
                return;
            }
        }
        n.topic = null;
        while (n.parent != null && n.topic == null && (n.children == null || n.children.isEmpty())) {
            n.parent.children.remove(n.level); // prune the branch nothing ends in any more
            n = n.parent;
        }
    }

    /** The retained topics {@code filter} matches (MQTT 4.7; a leading wildcard does not match {@code $}-topics). */
    List<String> matching(String filter) {
        String[] levels = filter.split("/", -1);
        List<String> out = new ArrayList<>();
        List<Node> frontier = List.of(root);
        for (int i = 0; i < levels.length && !frontier.isEmpty(); i++) {
            boolean first = i == 0;
            if (levels[i].equals("#")) {
                for (Node n : frontier) {
                    if (n.topic != null) {
                        out.add(n.topic); // "a/#" matches "a" itself [MQTT-4.7.1-2]
                    }
                    descendants(n, first, out);
                }
                return out;
            }
            List<Node> next = new ArrayList<>();
            for (Node n : frontier) {
                if (n.children == null) {
                    continue;
                }
                if (levels[i].equals("+")) {
                    for (Node c : n.children.values()) {
                        if (!(first && c.level.startsWith("$"))) { // [MQTT-4.7.2-1]
                            next.add(c);
                        }
                    }
                } else {
                    Node c = n.children.get(levels[i]);
                    if (c != null) {
                        next.add(c);
                    }
                }
            }
            frontier = next;
        }
        for (Node n : frontier) {
            if (n.topic != null) {
                out.add(n.topic);
            }
        }
        return out;
    }

    /** Every retained topic below {@code n} (a work list, no recursion); at the root, not the {@code $}-topics. */
    private static void descendants(Node n, boolean atRoot, List<String> out) {
        ArrayDeque<Node> work = new ArrayDeque<>();
        if (n.children != null) {
            for (Node c : n.children.values()) {
                if (!(atRoot && c.level.startsWith("$"))) {
                    work.add(c);
                }
            }
        }
        while (!work.isEmpty()) {
            Node c = work.poll();
            if (c.topic != null) {
                out.add(c.topic);
            }
            if (c.children != null) {
                work.addAll(c.children.values());
            }
        }
    }
}
