package io.sluice.mqtt.internal.outbound;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * It also holds the subscriptions of sessions on other nodes ({@link #replaceRemote}), each with its node: the
 * publish path asks {@link #route} which nodes need a message; {@link #match}, what this node's dispatcher asks,
 * never gives a session of another node. Each client id is in the index once, of this node or of one other.
 * Its size is bounded by the sessions and subscriptions a node admits ({@code mqtt.max_persistent_sessions},
 * {@code mqtt.max_connections}, {@code mqtt.max_subscriptions_per_session}). Matching walks the trie level by
 * level with a work list (no recursion on input), its work bounded by the trie's size.
 *
 * <p>Threading: thread-safe. Changes take a write lock; matching takes a read lock and runs on the delivery log's
 * thread and on event loops (publishers ask {@link #anyMatch}).
 */
public final class SubscriptionIndex {
    private static final int NO_LOCAL = 0x04;
    static final int RETAIN_AS_PUBLISHED = 0x08;
    /** Shared by every target without subscription identifiers (most of them): a copy costs no array of its own. */
    static final int[] NO_IDS = new int[0];

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final TrieNode root = new TrieNode(null, null);
    /** Per client id, the subscriptions it holds. */
    private final ClientSubscriptions byClient = new ClientSubscriptions();
    /** Written under the write lock; read without it by {@link #anyMatch}'s fast path (no subscription at all). */
    private volatile int count;
    /** Subscriptions of sessions on other nodes, of {@link #count}. Written under the write lock. */
    private volatile int remoteCount;
    /** One {@link NodeRef} per node and state, shared by its sessions' subscriptions. Under the write lock. */
    private final Map<String, NodeRef[]> nodeRefs = new HashMap<>();

    /**
     * Adds or replaces one subscription of {@code clientId}, a session of this node; {@code subscriptionId} 0 for
     * none. Use {@link #replaceClient} for a session the index may hold as another node's.
     */
    public void add(String clientId, String filter, int options, int subscriptionId) {
        lock.writeLock().lock();
        try {
            addLocked(clientId, filter, options, subscriptionId, null);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void addLocked(String clientId, String filter, int options, int subscriptionId, NodeRef remote) {
        removeLocked(clientId, filter);
        SharedFilter shared = SharedFilter.parse(filter);
        String group = shared == null ? null : shared.group();
        IndexedSubscription sub = remote == null ? new IndexedSubscription(filter, options, subscriptionId, group)
                : new RemoteSubscription(filter, options, subscriptionId, group, remote);
        TrieNode n = root;
        for (String level : levels(shared == null ? filter : shared.filter())) {
            n = n.child(level.equals("#") ? "#" : level.equals("+") ? "+" : level); // one instance of each
        }
        if (shared == null) {
            n.direct().put(clientId, sub);
        } else {
            n.groups().computeIfAbsent(shared.group(),
                    g -> new SharedGroup(filter.substring(SharedFilter.PREFIX.length()))).members.put(clientId, sub);
        }
        sub.node = n;
        byClient.hold(clientId, sub);
        count = count + 1;
        if (remote != null) {
            remoteCount = remoteCount + 1;
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

    /** Removes every subscription of {@code clientId} (its session ended), of this node or another. */
    public void removeClient(String clientId) {
        lock.writeLock().lock();
        try {
            removeAllLocked(clientId);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every subscription of {@code clientId} if the index holds it as another node's; false otherwise. */
    public boolean removeRemote(String clientId) {
        return removeIf(clientId, true);
    }

    /** Removes every subscription of {@code clientId} if the index holds it as this node's; false otherwise. */
    public boolean removeLocal(String clientId) {
        return removeIf(clientId, false);
    }

    private boolean removeIf(String clientId, boolean remote) {
        lock.writeLock().lock();
        try {
            IndexedSubscription any = byClient.any(clientId);
            if (any == null || (any.remote() != null) != remote) {
                return false;
            }
            removeAllLocked(clientId);
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The node of {@code clientId}'s session when the index holds it as another node's; null otherwise. */
    public String remoteNode(String clientId) {
        lock.readLock().lock();
        try {
            IndexedSubscription any = byClient.any(clientId);
            return any == null || any.remote() == null ? null : any.remote().node();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Makes {@code subscriptions} (filter to options byte) the whole set of {@code clientId}'s subscriptions, with
     * the subscription identifiers in {@code subscriptionIds} (filter to identifier; absent for none): a session of
     * this node (held as another node's until now: those entries go).
     */
    public void replaceClient(String clientId, Map<String, Integer> subscriptions, Map<String, Integer> subscriptionIds) {
        lock.writeLock().lock();
        try {
            replaceLocked(clientId, subscriptions, subscriptionIds, null);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * As {@link #replaceClient}, for a session on {@code node} (connected there now, or not): the publish path sends
     * that node the messages its subscriptions match; this node makes no copy for it. Entries of it as a session of
     * this node go.
     */
    public void replaceRemote(String clientId, String node, boolean connected, Map<String, Integer> subscriptions,
                              Map<String, Integer> subscriptionIds) {
        lock.writeLock().lock();
        try {
            replaceLocked(clientId, subscriptions, subscriptionIds, nodeRef(node, connected));
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void replaceLocked(String clientId, Map<String, Integer> subscriptions,
                               Map<String, Integer> subscriptionIds, NodeRef remote) {
        IndexedSubscription any = byClient.any(clientId);
        if (any != null && (any.remote() == null) != (remote == null)) {
            removeAllLocked(clientId); // moved between this node and another: each client id is held once
        }
        for (String f : byClient.filters(clientId)) {
            if (!subscriptions.containsKey(f)) {
                removeLocked(clientId, f);
            }
        }
        for (Map.Entry<String, Integer> e : subscriptions.entrySet()) {
            int id = subscriptionIds.getOrDefault(e.getKey(), 0);
            IndexedSubscription current = byClient.get(clientId, e.getKey());
            if (current == null || current.options != e.getValue() || current.subscriptionId != id
                    || current.remote() != remote) {
                addLocked(clientId, e.getKey(), e.getValue(), id, remote);
            }
        }
    }

    private NodeRef nodeRef(String node, boolean connected) {
        NodeRef[] refs = nodeRefs.computeIfAbsent(node, n -> new NodeRef[] {new NodeRef(n, false), new NodeRef(n, true)});
        return refs[connected ? 1 : 0];
    }

    private void removeAllLocked(String clientId) {
        for (String f : byClient.filters(clientId)) {
            removeLocked(clientId, f);
        }
    }

    /** Subscriptions of sessions on other nodes, of {@link #size}. */
    public int remoteSize() {
        return remoteCount;
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
        if (count == 0) {
            return false; // a node whose clients never subscribe pays nothing per PUBLISH
        }
        lock.readLock().lock();
        try {
            for (TrieNode n : matchingNodes(topic)) {
                if (n.direct != null && !n.direct.isEmpty() || n.groups != null && !n.groups.isEmpty()) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** As {@link #match(String, String, Predicate, Set)} for every shared subscription held. */
    public List<Target> match(String topic, String publisherClientId, Predicate<String> connected) {
        return match(topic, publisherClientId, connected, null);
    }

    /**
     * Which of this node's sessions get a copy of a message to {@code topic} published by {@code publisherClientId}:
     * one target per session subscribed without sharing, then one per shared group and filter that
     * {@code sharedGroups} names ({@code G/F}; null: every one), whose member of this node is the next in turn for
     * which {@code connected} holds (or the next in turn when none does). Sessions of other nodes are never targets.
     */
    public List<Target> match(String topic, String publisherClientId, Predicate<String> connected,
                              Set<String> sharedGroups) {
        return collect(topic, publisherClientId, sharedGroups, id -> true, g -> g.pick(connected));
    }

    /**
     * As {@link #match(String, String, Predicate, Set)}, for the sessions of this node {@code among} accepts alone:
     * one target per such session subscribed without sharing, and per shared group and filter that
     * {@code sharedGroups} names (null: every one) its first member {@code among} accepts, in the group's order,
     * without taking a turn. What a recovery from a node that is gone asks for the sessions it serves (docs/DELIVERY.md,
     * "Node death").
     */
    public List<Target> matchAmong(String topic, String publisherClientId, Set<String> sharedGroups,
                                   Predicate<String> among) {
        return collect(topic, publisherClientId, sharedGroups, among, g -> g.firstAmong(among));
    }

    /**
     * The targets of a message among the sessions of this node {@code among} accepts: one per session subscribed
     * without sharing, and one per shared group and filter {@code sharedGroups} names (null: every one), the member
     * {@code member} picks (null: none).
     */
    private List<Target> collect(String topic, String publisherClientId, Set<String> sharedGroups,
                                 Predicate<String> among, java.util.function.Function<SharedGroup, Target> member) {
        lock.readLock().lock();
        try {
            Map<String, MergedTarget> perSession = new LinkedHashMap<>();
            List<Target> shared = new ArrayList<>(0);
            for (TrieNode n : matchingNodes(topic)) {
                if (n.direct != null) {
                    for (Map.Entry<String, IndexedSubscription> e : n.direct.entrySet()) {
                        IndexedSubscription s = e.getValue();
                        if (s.remote() != null || !among.test(e.getKey())) {
                            continue; // its node delivers it, or not asked for
                        }
                        if ((s.options & NO_LOCAL) != 0 && e.getKey().equals(publisherClientId)) {
                            continue; // [MQTT-3.8.3-3]
                        }
                        perSession.computeIfAbsent(e.getKey(), k -> new MergedTarget()).add(s);
                    }
                }
                if (n.groups != null) {
                    for (SharedGroup g : n.groups.values()) {
                        if (sharedGroups != null && !sharedGroups.contains(g.key)) {
                            continue; // the publishing node chose another node's member
                        }
                        Target t = member.apply(g);
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

    /**
     * Which nodes need a message to {@code topic} published with {@code qos} by {@code publisherClientId}, a client
     * of this node ({@code thisNode}); empty when none. See {@link NodeRoutes}.
     */
    public List<io.sluice.delivery.Route> route(String topic, String publisherClientId, int qos,
                                                Predicate<String> connected, String thisNode) {
        if (count == 0) {
            return List.of();
        }
        lock.readLock().lock();
        try {
            return NodeRoutes.of(matchingNodes(topic), remoteCount > 0, publisherClientId, qos, connected, thisNode);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The trie nodes whose subscriptions match {@code topic}, level by level (a work list, no recursion). */
    private List<TrieNode> matchingNodes(String topic) {
        String[] levels = levels(topic);
        boolean dollar = topic.startsWith("$");
        List<TrieNode> hits = new ArrayList<>();
        List<TrieNode> frontier = List.of(root);
        for (int i = 0; i < levels.length && !frontier.isEmpty(); i++) {
            List<TrieNode> next = new ArrayList<>(frontier.size());
            boolean wildcardsMatch = !(dollar && i == 0); // [MQTT-4.7.2-1]
            for (TrieNode n : frontier) {
                if (n.children == null) {
                    continue;
                }
                if (wildcardsMatch) {
                    TrieNode hash = n.children.get("#");
                    if (hash != null) {
                        hits.add(hash);
                    }
                    TrieNode plus = n.children.get("+");
                    if (plus != null) {
                        next.add(plus);
                    }
                }
                TrieNode exact = n.children.get(levels[i]);
                if (exact != null) {
                    next.add(exact);
                }
            }
            frontier = next;
        }
        for (TrieNode n : frontier) {
            hits.add(n);
            TrieNode hash = n.children == null ? null : n.children.get("#");
            if (hash != null) {
                hits.add(hash); // "a/#" matches "a" too [MQTT-4.7.1-2]
            }
        }
        return hits;
    }

    private boolean removeLocked(String clientId, String filter) {
        IndexedSubscription sub = byClient.release(clientId, filter);
        if (sub == null) {
            return false;
        }
        TrieNode n = sub.node;
        if (sub.group == null) {
            n.direct.remove(clientId);
        } else {
            SharedGroup g = n.groups.get(sub.group);
            g.members.remove(clientId);
            if (g.members.isEmpty()) {
                n.groups.remove(sub.group);
            }
        }
        count = count - 1;
        if (sub.remote() != null) {
            remoteCount = remoteCount - 1;
        }
        while (n.parent != null && n.isEmpty()) {
            n.parent.children.remove(n.level);
            n = n.parent;
        }
        return true;
    }

    static String[] levels(String topicOrFilter) {
        return topicOrFilter.split("/", -1);
    }
}
