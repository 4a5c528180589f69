package io.sluice.auth;

import io.sluice.security.Identity;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection's authorization: the ACL's answers for its identity and client id, remembered per topic, for
 * writing (PUBLISH) and for reading (a message delivered to it), each at most {@code maxEntries} topics (when full,
 * those remembered answers start over), so a sensor publishing to, or an application receiving from, the same few
 * topics does not walk the ACL for every message. A reload of the ACL file forgets them. Without an ACL file
 * everything is allowed and nothing is remembered. Confined to the connection's event loop (not thread-safe).
 */
public final class TopicPermissions {
    private final AclFile acl;
    private final Identity identity;
    private final String clientId;
    private final int maxEntries;
    private Map<String, Boolean> writes;
    private Map<String, Boolean> reads;
    private int writesGeneration;
    private int readsGeneration;

    public TopicPermissions(AclFile acl, Identity identity, String clientId, int maxEntries) {
        this.acl = acl;
        this.identity = identity;
        this.clientId = clientId;
        this.maxEntries = maxEntries;
    }

    /** May this connection PUBLISH to {@code topic}? */
    public boolean mayPublish(String topic) {
        if (acl == null) {
            return true;
        }
        int gen = acl.generation();
        if (writes == null) {
            writes = new HashMap<>(4);
        } else if (gen != writesGeneration || (writes.size() >= maxEntries && !writes.containsKey(topic))) {
            writes.clear();
        }
        writesGeneration = gen;
        return writes.computeIfAbsent(topic, t -> acl.acl().allowed(identity, clientId, t, Acl.Access.WRITE));
    }

    /**
     * May this connection receive a message published to {@code topic} (a topic name)? A read line must match it
     * and no deny line may. Asked for every message sent to it, so remembered like {@link #mayPublish}.
     */
    public boolean mayRead(String topic) {
        if (acl == null) {
            return true;
        }
        int gen = acl.generation();
        if (reads == null) {
            reads = new HashMap<>(4);
        } else if (gen != readsGeneration || (reads.size() >= maxEntries && !reads.containsKey(topic))) {
            reads.clear();
        }
        readsGeneration = gen;
        return reads.computeIfAbsent(topic, t -> acl.acl().allowed(identity, clientId, t, Acl.Access.READ));
    }

    /**
     * May this connection SUBSCRIBE to {@code filter}? A read line must cover every topic it can match, and no deny
     * line may cover all of them; topics a deny line matches are refused per message ({@link #mayRead}). Not
     * cached: subscriptions are rare.
     */
    public boolean maySubscribe(String filter) {
        return acl == null || acl.acl().allowed(identity, clientId, filter, Acl.Access.READ);
    }

    /** False when there is no ACL file: every {@link #mayRead} answer is yes, so callers may skip asking. */
    public boolean restricts() {
        return acl != null;
    }

    public Identity identity() {
        return identity;
    }
}
