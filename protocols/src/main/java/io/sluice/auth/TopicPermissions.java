package io.sluice.auth;

import io.sluice.security.Identity;
import java.util.HashMap;
import java.util.Map;

/**
 * One connection's authorization: the ACL's answers for its identity and client id, remembered per topic (at most
 * {@code maxEntries} of them; when full, the remembered answers start over) so a sensor publishing to the same few
 * topics does not walk the ACL for every PUBLISH. A reload of the ACL file forgets them. Without an ACL file
 * everything is allowed. Confined to the connection's event loop (not thread-safe).
 */
public final class TopicPermissions {
    private final AclFile acl;
    private final Identity identity;
    private final String clientId;
    private final int maxEntries;
    private Map<String, Boolean> writes;
    private int generation;

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
        if (writes == null || gen != generation || writes.size() >= maxEntries) {
            if (writes == null) {
                writes = new HashMap<>(4);
            } else if (gen != generation || !writes.containsKey(topic)) {
                writes.clear();
            }
            generation = gen;
        }
        Boolean cached = writes.get(topic);
        if (cached == null) {
            cached = acl.acl().allowed(identity, clientId, topic, Acl.Access.WRITE);
            writes.put(topic, cached);
        }
        return cached;
    }

    /** May this connection SUBSCRIBE to {@code filter}? (Not cached: subscriptions are rare.) */
    public boolean maySubscribe(String filter) {
        return acl == null || acl.acl().allowed(identity, clientId, filter, Acl.Access.READ);
    }

    public Identity identity() {
        return identity;
    }
}
