package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.Acl;
import io.sluice.auth.Acl.Access;
import io.sluice.security.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's ACL: everything readable and writable but the two filters conformance suites expect refused. */
class StackAclTest {
    @Test
    void wildcardsAndDollarTopicA_areAllowed_theConformanceSuitesDeniedFilters_areRefused(@TempDir Path dir) {
        Acl acl = Acl.read(write(dir));
        for (Identity who : new Identity[] {Identity.ANONYMOUS, Identity.password("alice")}) {
            for (String filter : new String[] {"#", "+/+", "TopicA/#", "/#", "$TopicA/B", "test/+"}) {
                assertTrue(acl.allowed(who, "c", filter, Access.READ), filter);
            }
            assertTrue(acl.allowed(who, "c", "$TopicA/B", Access.WRITE));
            assertTrue(acl.allowed(who, "c", "TopicA/B", Access.WRITE));
            assertFalse(acl.allowed(who, "c", "nosubscribe", Access.READ), "MQTT 3.1.1 suite's subscribe failure");
            assertFalse(acl.allowed(who, "c", "test/nosubscribe", Access.READ), "MQTT 5 suite's subscribe failure");
        }
    }

    private static Path write(Path dir) {
        try {
            return Files.writeString(dir.resolve("acl"), StackCommand.ACL);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
