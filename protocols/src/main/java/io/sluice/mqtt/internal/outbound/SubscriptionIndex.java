package io.sluice.mqtt.internal.outbound;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * The subscriptions of every session this node knows, as a trie by topic level, answering "who gets a copy of a
 * message published to this topic" (MQTT 5 sections 4.7 and 4.8, MQTT 3.1.1 section 4.7):
 * <ul>
 *   <li>{@code +} matches one level, {@code #} the rest (and the parent level: {@code a/#} matches {@code a});</li>
 *   <li>a topic starting with {@code $} is not matched by a filter starting with {@code +} or {@code #};</li>
 *   <li>per session one copy at the highest granted QoS of its matching subscriptions, with every matching
 *       subscription identifier; no-local subscriptions do not match the session's own messages;</li>
 *   <li>a shared subscription {@code $share/G/F} gives one copy per group and filter, to one member: connected
 *       members first, taken in turn.</li>
 * </ul>
 * Its size is bounded by the sessions and subscriptions a node admits ({@code mqtt.max_persistent_sessions},
 * {@code mqtt.max_connections}, {@code mqtt.max_subscriptions_per_session}). Matching walks the trie level by
 * level with a work list (no recursion on input), its work bounded by the trie's size.
 *
 * <p>Threading: thread-safe. Changes take a write lock; matching takes a read lock and runs on the delivery log's
 * thread and on event loops (publishers ask {@link #anyMatch}).
 */
public final class SubscriptionIndex {
    private static final int NO_LOCAL = 0x04;
    private static final int RETAIN_AS_PUBLISHED = 0x08;
    /** Shared by every target without subscription identifiers (most of them): a copy costs no array of its own. */
    static final int[] NO_IDS = new int[0];

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Node root = new Node(null, null);
    /**
     * Per client id, the subscriptions it holds (filters as subscribed, {@code $share/} included): its {@link Sub}
     * when it holds one (most sessions), else a map from filter to Sub.
     */
    private final Map<String, Object> byClient = new HashMap<>();
    private int count;

    /** Adds or replaces one subscription of {@code clientId}; {@code subscriptionId} 0 for none. */
    public void add(String clientId, String filter, int options, int subscriptionId) {
        lock.writeLock().lock();
        try {
            removeLocked(clientId, filter);
            SharedFilter shared = SharedFilter.parse(filter);
            Sub sub = new Sub(filter, options, subscriptionId, shared == null ? null : shared.group());
            Node n = root;
            for (String level : levels(shared == null ? filter : shared.filter())) {
                n = n.child(level.equals("#") ? "#" : level.equals("+") ? "+" : level); // one instance of each
            }
            if (shared == null) {
                n.direct().put(clientId, sub);
            } else {
                n.groups().computeIfAbsent(shared.group(), g -> new Group()).members.put(clientId, sub);
            }
            sub.node = n;
            hold(clientId, sub);
            count++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes one subscription; false when {@code clientId} did not hold {@code filter}. */
    public boolean remove(String clientId, String filter) {
        lock.writeLock().lock();
        try {
            return removeLocked(clientId, filter);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every subscription of {@code clientId} (its session ended). */
    public void removeClient(String clientId) {
        lock.writeLock().lock();
        try {
            for (String f : filtersOf(clientId)) {
                removeLocked(clientId, f);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Makes {@code subscriptions} (filter to options byte) the whole set of {@code clientId}'s subscriptions, with
     * the subscription identifiers in {@code subscriptionIds} (filter to identifier; absent for none).
     */
    public void replaceClient(String clientId, Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds) {
        lock.writeLock().lock();
        try {
            for (String f : filtersOf(clientId)) {
                if (!subscriptions.containsKey(f)) {
                    removeLocked(clientId, f);
                }
            }
            for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
                int id = subscriptionIds.getOrDefault(e.getKey(), 0);
                Sub current = held(clientId, e.getKey());
                if (current == null || current.options != e.getValue() || current.subscriptionId != id) {
                    add(clientId, e.getKey(), e.getValue(), id); // the write lock is reentrant
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Subscriptions held, over all sessions. */
    public int size() {
        lock.readLock().lock();
        try {
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** True when any subscription matches {@code topic} (no-local not considered): the message needs the log. */
    public boolean anyMatch(String topic) {
        lock.readLock().lock();
        try {
            for (Node n : matchingNodes(topic)) {
                if (n.direct != null && !n.direct.isEmpty() || n.groups != null && !n.groups.isEmpty()) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Who gets a copy of a message to {@code topic} published by {@code publisherClientId}: one target per session
     * subscribed without sharing, then one per shared group and filter, whose member is the next in turn for which
     * {@code connected} holds (or the next in turn when none does).
     */
    public List<Target> match(String topic, String publisherClientId, Predicate<String> connected) {
        lock.readLock().lock();
        try {
            Map<String, Acc> perSession = new LinkedHashMap<>();
            List<Target> shared = new ArrayList<>(0);
            for (Node n : matchingNodes(topic)) {
                if (n.direct != null) {
                    for (Map.Entry<String, Sub> e : n.direct.entrySet()) {
                        Sub s = e.getValue();
                        if ((s.options & NO_LOCAL) != 0 && e.getKey().equals(publisherClientId)) {
                            continue; // [MQTT-3.8.3-3]
                        }
                        perSession.computeIfAbsent(e.getKey(), k -> new Acc()).add(s);
                    }
                }
                if (n.groups != null) {
                    for (Group g : n.groups.values()) {
                        Target t = g.pick(connected);
                        if (t != null) {
                            shared.add(t);
                        }
                    }
                }
            }
            List<Target> out = new ArrayList<>(perSession.size() + shared.size());
            perSession.forEach((id, acc) -> out.add(acc.target(id)));
            out.addAll(shared);
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The trie nodes whose subscriptions match {@code topic}, level by level (a work list, no recursion). */
    private List<Node> matchingNodes(String topic) {
        String[] levels = levels(topic);
        boolean dollar = topic.startsWith("$");
        List<Node> hits = new ArrayList<>();
        List<Node> frontier = List.of(root);
        for (int i = 0; i < levels.length && !frontier.isEmpty(); i++) {
            List<Node> next = new ArrayList<>(frontier.size());
            boolean wildcardsMatch = !(dollar && i == 0); // [MQTT-4.7.2-1]
            for (Node n : frontier) {
                if (n.children == null) {
                    continue;
                }
                if (wildcardsMatch) {
                    Node hash = n.children.get("#");
                    if (hash != null) {
                        hits.add(hash);
                    }
                    Node plus = n.children.get("+");
                    if (plus != null) {
                        next.add(plus);
                    }
                }
                Node exact = n.children.get(levels[i]);
                if (exact != null) {
                    next.add(exact);
                }
            }
            frontier = next;
        }
        for (Node n : frontier) {
            hits.add(n);
            Node hash = n.children == null ? null : n.children.get("#");
            if (hash != null) {
                hits.add(hash); // "a/#" matches "a" too [MQTT-4.7.1-2]
            }
        }
        return hits;
    }

    private boolean removeLocked(String clientId, String filter) {
        Sub sub = release(clientId, filter);
        if (sub == null) {
            return false;
        }
        Node n = sub.node;
        if (sub.group == null) {
            n.direct.remove(clientId);
        } else {
            Group g = n.groups.get(sub.group);
            g.members.remove(clientId);
            if (g.members.isEmpty()) {
                n.groups.remove(sub.group);
            }
        }
        count--;
        while (n.parent != null && n.isEmpty()) {
            n.parent.children.remove(n.level);
            n = n.parent;
        }
        return true;
    }

    private Sub held(String clientId, String filter) {
        Object o = byClient.get(clientId);
        if (o instanceof Sub s) {
            return s.filter.equals(filter) ? s : null;
        }
        return o == null ? null : subs(o).get(filter);
    }

    private void hold(String clientId, Sub sub) {
        Object o = byClient.get(clientId);
        if (o == null || o instanceof Sub s && s.filter.equals(sub.filter)) {
            byClient.put(clientId, sub);
        } else if (o instanceof Sub s) {
            Map<String, Sub> m = new LinkedHashMap<>(4);
            m.put(s.filter, s);
            m.put(sub.filter, sub);
            byClient.put(clientId, m);
        } else {
            subs(o).put(sub.filter, sub);
        }
    }

    private Sub release(String clientId, String filter) {
        Object o = byClient.get(clientId);
        if (o instanceof Sub s) {
            if (!s.filter.equals(filter)) {
                return null;
            }
            byClient.remove(clientId);
            return s;
        }
        if (o == null) {
            return null;
        }
        Map<String, Sub> m = subs(o);
        Sub s = m.remove(filter);
        if (m.size() == 1) {
            byClient.put(clientId, m.values().iterator().next());
        }
        return s;
    }

    private List<String> filtersOf(String clientId) {
        Object o = byClient.get(clientId);
        if (o instanceof Sub s) {
            return List.of(s.filter);
        }
        return o == null ? List.of() : List.copyOf(subs(o).keySet());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Sub> subs(Object held) {
        return (Map<String, Sub>) held;
    }

    static String[] levels(String topicOrFilter) {
        return topicOrFilter.split("/", -1);
    }

    private static final class Node {
        final Node parent;
        final String level;
        Map<String, Node> children;
        Map<String, Sub> direct;
        Map<String, Group> groups;

        Node(Node parent, String level) {
            this.parent = parent;
            this.level = level;
        }

        Node child(String level) {
            if (children == null) {
                children = new HashMap<>(4);
            }
            return children.computeIfAbsent(level, l -> new Node(this, l));
        }

        Map<String, Sub> direct() {
            if (direct == null) {
                direct = new LinkedHashMap<>(4);
            }
            return direct;
        }

        Map<String, Group> groups() {
            if (groups == null) {
                groups = new LinkedHashMap<>(2);
            }
            return groups;
        }

        boolean isEmpty() {
            return (children == null || children.isEmpty()) && (direct == null || direct.isEmpty())
                    && (groups == null || groups.isEmpty());
        }
    }

    private static final class Sub {
        final String filter;
        final int options;
        final int subscriptionId;
        final String group;
        Node node;

        Sub(String filter, int options, int subscriptionId, String group) {
            this.filter = filter;
            this.options = options;
            this.subscriptionId = subscriptionId;
            this.group = group;
        }
    }

    /** Members of one shared subscription group on one filter, taken in turn. */
    private static final class Group {
        final LinkedHashMap<String, Sub> members = new LinkedHashMap<>(4);
        final AtomicInteger next = new AtomicInteger();

        Target pick(Predicate<String> connected) {
            if (members.isEmpty()) {
                return null;
            }
            @SuppressWarnings("unchecked")
            Map.Entry<String, Sub>[] all = members.entrySet().toArray(new Map.Entry[0]);
            int start = Math.floorMod(next.getAndIncrement(), all.length);
            Map.Entry<String, Sub> chosen = all[start];
            for (int i = 0; i < all.length; i++) {
                Map.Entry<String, Sub> e = all[(start + i) % all.length];
                if (connected.test(e.getKey())) {
                    chosen = e;
                    break;
                }
            }
            Sub s = chosen.getValue();
            int[] ids = s.subscriptionId == 0 ? NO_IDS : new int[] {s.subscriptionId};
            return new Target(chosen.getKey(), s.options & 0x03, (s.options & RETAIN_AS_PUBLISHED) != 0, ids, true);
        }
    }

    /** One session's matching subscriptions merged: the highest QoS, every subscription identifier. */
    private static final class Acc {
        int qos;
        boolean retainAsPublished;
        int[] ids = NO_IDS;

        void add(Sub s) {
            qos = Math.max(qos, s.options & 0x03);
            retainAsPublished |= (s.options & RETAIN_AS_PUBLISHED) != 0;
            if (s.subscriptionId != 0) {
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = s.subscriptionId;
            }
        }

        Target target(String clientId) {
            Arrays.sort(ids);
            return new Target(clientId, qos, retainAsPublished, ids, false);
        }
    }
}
