package io.sluice.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.Acl.Access;
import io.sluice.security.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mosquitto's acl_file semantics: anonymous lines first, per-user lines, patterns for all, deny wins, default deny. */
class AclTest {
    private static final Identity ALICE = Identity.password("alice");
    private static final Identity DEV7 = Identity.certificate("dev-7");

    private static Acl acl(Path dir, String text) throws Exception {
        return Acl.read(Files.writeString(dir.resolve("acl"), text));
    }

    @Test
    void linesBeforeAnyUser_applyToAnonymousOnly_andUserLinesToThatUser(@TempDir Path dir) throws Exception {
        Acl acl = acl(dir, """
                # anonymous
                topic read public/#
                topic write public/inbox
                user alice
                topic readwrite sensors/alice/#
                topic deny sensors/alice/secret
                """);
        assertTrue(acl.allowed(Identity.ANONYMOUS, "c", "public/inbox", Access.WRITE));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "public/news", Access.WRITE), "read only");
        assertTrue(acl.allowed(Identity.ANONYMOUS, "c", "public/+", Access.READ));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "sensors/alice/t", Access.WRITE));
        assertFalse(acl.allowed(ALICE, "c", "public/inbox", Access.WRITE), "anonymous lines are not alice's");
        assertTrue(acl.allowed(ALICE, "c", "sensors/alice/t", Access.WRITE));
        assertTrue(acl.allowed(ALICE, "c", "sensors/alice", Access.WRITE), "a/# matches a itself");
        assertFalse(acl.allowed(ALICE, "c", "sensors/alice/secret", Access.WRITE), "deny wins");
        assertFalse(acl.allowed(ALICE, "c", "sensors/bob/t", Access.WRITE), "default deny");
        assertFalse(acl.allowed(DEV7, "c", "sensors/alice/t", Access.WRITE), "a user without lines may do nothing");
    }

    @Test
    void subscribe_needsReadOnEveryTopicTheFilterCanMatch_andIsRefusedOnlyByADenyCoveringTheWholeFilter(
            @TempDir Path dir) throws Exception {
        Acl acl = acl(dir, """
                user alice
                topic read cmd/alice/#
                topic read fleet/+/status
                topic deny cmd/alice/private
                topic deny cmd/alice/secret/#
                """);
        assertTrue(acl.allowed(ALICE, "c", "cmd/alice/reboot", Access.READ));
        assertTrue(acl.allowed(ALICE, "c", "cmd/alice/+", Access.READ), "a deny line matching one topic: per message");
        assertTrue(acl.allowed(ALICE, "c", "cmd/alice/#", Access.READ), "a deny line matching one topic: per message");
        assertFalse(acl.allowed(ALICE, "c", "cmd/alice/private", Access.READ), "the deny line covers the filter");
        assertFalse(acl.allowed(ALICE, "c", "cmd/alice/secret/+", Access.READ), "the deny line covers the filter");
        assertFalse(acl.allowed(ALICE, "c", "cmd/alice/secret/#", Access.READ), "the deny line covers the filter");
        assertFalse(acl.allowed(ALICE, "c", "cmd/alice/secret/x/y", Access.READ), "a name the deny line matches");
        assertTrue(acl.allowed(ALICE, "c", "fleet/+/status", Access.READ));
        assertFalse(acl.allowed(ALICE, "c", "fleet/#", Access.READ), "wider than what alice may read");
        assertFalse(acl.allowed(ALICE, "c", "#", Access.READ));
        assertFalse(acl.allowed(ALICE, "c", "cmd/alice/reboot", Access.WRITE), "read is not write");
    }

    @Test
    void conformanceSuiteAcl_grantsWildcards_andRefusesOnlyTheDeniedFilter(@TempDir Path dir) throws Exception {
        Acl acl = acl(dir, """
                pattern readwrite #
                pattern readwrite $TopicA/#
                pattern deny nosubscribe
                pattern deny test/nosubscribe
                """);
        for (String f : new String[] {"#", "+/+", "+", "test/#", "$TopicA/B"}) {
            assertTrue(acl.allowed(Identity.ANONYMOUS, "c", f, Access.READ), f);
        }
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "nosubscribe", Access.READ));
        assertFalse(acl.allowed(ALICE, "c", "test/nosubscribe", Access.READ));
        assertTrue(acl.allowed(Identity.ANONYMOUS, "c", "$TopicA/B", Access.WRITE));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "$SYS/x", Access.WRITE), "# does not match $ topics");
    }

    @Test
    void patterns_applyToEveryClient_withClientIdAndIdentity(@TempDir Path dir) throws Exception {
        Acl acl = acl(dir, """
                user alice
                topic read nothing/here
                pattern write devices/%u/#
                pattern write clients/%c/up
                """);
        assertTrue(acl.allowed(DEV7, "x", "devices/dev-7/temp", Access.WRITE), "patterns stand apart from users");
        assertFalse(acl.allowed(DEV7, "x", "devices/dev-8/temp", Access.WRITE));
        assertTrue(acl.allowed(ALICE, "car-1", "clients/car-1/up", Access.WRITE));
        assertFalse(acl.allowed(ALICE, "car-1", "clients/car-2/up", Access.WRITE));
        assertTrue(acl.allowed(Identity.ANONYMOUS, "car-3", "clients/car-3/up", Access.WRITE));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "x", "devices//t", Access.WRITE), "%u never for anonymous");
        assertFalse(acl.allowed(ALICE, "#", "clients/#/up", Access.WRITE), "a wildcard id substitutes nothing");
        assertFalse(acl.allowed(ALICE, "a/b", "clients/a/b/up", Access.WRITE), "nor an id with a level separator");
    }

    @Test
    void dollarTopics_areNotMatchedByLeadingWildcards(@TempDir Path dir) throws Exception {
        Acl acl = acl(dir, "topic #\n");
        assertTrue(acl.allowed(Identity.ANONYMOUS, "c", "a/b", Access.WRITE));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "$SYS/x", Access.WRITE));
        assertFalse(acl.allowed(Identity.ANONYMOUS, "c", "$SYS/#", Access.READ));
    }

    @Test
    void badLines_areRefused_namingFileAndLine(@TempDir Path dir) {
        for (String bad : new String[] {"topic read a/#/b", "topik read a", "topic read", "user", "pattern deny a+"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> acl(dir, "# fine\n" + bad + "\n"));
            assertTrue(e.getMessage().startsWith(dir.resolve("acl") + ":2: "), e.getMessage());
        }
    }
}
