package io.sluice.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sluice.auth.Authenticator.Decision;
import io.sluice.auth.Authenticator.Refusal;
import io.sluice.security.Identity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who a client is, and when anonymous clients are let in (Mosquitto 2's secure default). */
class AuthenticatorTest {
    private static Decision decide(Authenticator a, String user, String pw, boolean loopback) throws Exception {
        return a.authenticate(Optional.empty(), user, pw == null ? null : pw.getBytes(StandardCharsets.UTF_8), "c",
                loopback).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static AuthConfig config(boolean allowAnonymous) {
        return new AuthConfig(allowAnonymous, false, false, 1, 16, 100, 8);
    }

    @Test
    void withNothingConfigured_anonymousIsAcceptedOnLoopbackOnly_andAUserNameProvesNothing() throws Exception {
        try (Authenticator a = new Authenticator(config(false), null, null)) {
            assertEquals(Identity.ANONYMOUS, decide(a, null, null, true).identity());
            assertEquals(Refusal.NOT_AUTHORIZED, decide(a, null, null, false).refusal());
            assertEquals(Identity.ANONYMOUS, decide(a, "alice", "anything", true).identity());
            assertEquals(Refusal.NOT_AUTHORIZED, decide(a, "alice", "anything", false).refusal());
        }
        try (Authenticator a = new Authenticator(config(true), null, null)) {
            assertEquals(Identity.ANONYMOUS, decide(a, null, null, false).identity(), "allowed explicitly");
        }
    }

    @Test
    void withAPasswordFile_anonymousIsRefusedEvenOnLoopback_unlessAllowed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("passwd");
        PasswordFile.write(f, Map.of("alice", PasswordHash.create("pw".getBytes(StandardCharsets.UTF_8), 100)));
        try (Authenticator a = new Authenticator(config(false), PasswordFile.load(f), null)) {
            assertEquals(Refusal.NOT_AUTHORIZED, decide(a, null, null, true).refusal());
            assertEquals(Identity.password("alice"), decide(a, "alice", "pw", false).identity());
            assertEquals(Refusal.BAD_CREDENTIALS, decide(a, "alice", null, true).refusal(), "user without password");
        }
        try (Authenticator a = new Authenticator(config(true), PasswordFile.load(f), null)) {
            assertEquals(Identity.ANONYMOUS, decide(a, null, null, false).identity());
            assertEquals(Refusal.BAD_CREDENTIALS, decide(a, "alice", "wrong", false).refusal(),
                    "wrong credentials are refused, not downgraded to anonymous");
        }
    }
}
