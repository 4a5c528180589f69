package io.sluice.auth;

import io.sluice.security.Identity;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides who a connecting client is and whether it may connect, from what the TLS listener verified and what
 * CONNECT carries: a verified certificate's identity, when present, is the identity (method certificate); otherwise
 * a user name and password that the password file confirms give a password identity; otherwise the client is
 * anonymous, which is allowed when {@code auth.allow_anonymous} is on, or when no authentication is configured at
 * all and the client reached a loopback address (as Mosquitto 2 does). A user name without a password file to
 * check it against proves nothing: such a client is anonymous. Thread-safe; see {@link #authenticate}.
 */
public final class Authenticator implements AutoCloseable {
    /** Why a CONNECT was refused; {@link #event()} is the counted event. */
    public enum Refusal {
        BAD_CREDENTIALS("bad_username_or_password"), NOT_AUTHORIZED("anonymous_not_authorized"),
        CLIENT_ID_NOT_IDENTITY("client_id_not_identity"), BUSY("password_check_busy");

        private final String event;

        Refusal(String event) {
            this.event = event;
        }

        public String event() {
            return event;
        }
    }

    /** The outcome of one CONNECT: an identity, or a refusal. */
    public record Decision(Identity identity, Refusal refusal) {
        static Decision accepted(Identity identity) {
            return new Decision(identity, null);
        }

        static Decision refused(Refusal refusal) {
            return new Decision(null, refusal);
        }

        public boolean accepted() {
            return refusal == null;
        }
    }

    private final AuthConfig config;
    private final PasswordFile passwords;
    private final PasswordVerifier verifier;
    private final AclFile acl;

    /**
     * @param passwords the password file, or null when none is configured
     * @param acl       the ACL file, or null when none is configured (everything allowed)
     */
    public Authenticator(AuthConfig config, PasswordFile passwords, AclFile acl) {
        this.config = config;
        this.passwords = passwords;
        this.acl = acl;
        this.verifier = passwords == null ? null : new PasswordVerifier(passwords, config.verifyThreads(),
                config.verifyQueue(), config.maxRememberedVerifications());
    }

    /** Everything allowed, anonymous clients anywhere: for tests of what authentication is not about. */
    public static Authenticator open() {
        return new Authenticator(AuthConfig.open(), null, null);
    }

    /**
     * Decides a CONNECT. Completes at once when no password must be computed (certificate, anonymous, a remembered
     * verification), otherwise on a verifier thread: callers re-dispatch to their event loop.
     *
     * @param certificateIdentity the verified client certificate's identity, if any
     * @param userName            the CONNECT's user name, or null
     * @param password            the CONNECT's password, or null
     * @param clientId            the client id the connection will use
     * @param loopback            whether the client reached a loopback address of this host
     */
    public CompletionStage<Decision> authenticate(Optional<String> certificateIdentity, String userName,
                                                  byte[] password, String clientId, boolean loopback) {
        if (certificateIdentity.isPresent()) {
            return CompletableFuture.completedFuture(checkClientId(Identity.certificate(certificateIdentity.get()),
                    clientId));
        }
        if (userName != null && passwords != null) {
            return verifier.verify(userName, password).thenApply(r -> switch (r) {
                case OK -> checkClientId(Identity.password(userName), clientId);
                case BAD -> Decision.refused(Refusal.BAD_CREDENTIALS);
                case BUSY -> Decision.refused(Refusal.BUSY);
            });
        }
        boolean allowed = config.allowAnonymous() || (!authenticationConfigured() && loopback);
        return CompletableFuture.completedFuture(allowed ? Decision.accepted(Identity.ANONYMOUS)
                : Decision.refused(Refusal.NOT_AUTHORIZED));
    }

    private Decision checkClientId(Identity identity, String clientId) {
        if (config.clientIdMustMatchIdentity() && !identity.name().equals(clientId)) {
            return Decision.refused(Refusal.CLIENT_ID_NOT_IDENTITY);
        }
        return Decision.accepted(identity);
    }

    /** A password file or client certificates establish identities here. */
    public boolean authenticationConfigured() {
        return passwords != null || config.certificateIdentities();
    }

    /** The permissions of one connection (its own cache of ACL answers). */
    public TopicPermissions permissions(Identity identity, String clientId) {
        return new TopicPermissions(acl, identity, clientId, config.aclCacheTopics());
    }

    /** The password verifier, or null without a password file. */
    public PasswordVerifier verifier() {
        return verifier;
    }

    @Override
    public void close() {
        if (verifier != null) {
            verifier.close();
        }
    }
}
