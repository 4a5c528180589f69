package io.sluice.auth;

/**
 * How MQTT clients are authenticated and authorized (the daemon's {@code auth} section).
 *
 * @param allowAnonymous              anonymous clients may connect on every listener
 * @param clientIdMustMatchIdentity   an authenticated client's client id must equal its identity
 * @param certificateIdentities       a TLS listener establishes identities from client certificates
 * @param verifyThreads               threads computing password hashes
 * @param verifyQueue                 password checks that may wait for a thread; more are refused as busy
 * @param maxRememberedVerifications  successful verifications remembered (keyed hashes) until the file changes
 * @param aclCacheTopics              ACL answers one connection remembers, per topic
 */
public record AuthConfig(boolean allowAnonymous, boolean clientIdMustMatchIdentity, boolean certificateIdentities,
                         int verifyThreads, int verifyQueue, int maxRememberedVerifications, int aclCacheTopics) {
    public AuthConfig {
        if (verifyThreads < 1 || verifyQueue < 1 || maxRememberedVerifications < 0 || aclCacheTopics < 1) {
            throw new IllegalArgumentException("invalid auth config: " + this);
        }
    }

    /** Anonymous clients everywhere, nothing else configured. */
    public static AuthConfig open() {
        return new AuthConfig(true, false, false, 1, 64, 1000, 32);
    }
}
