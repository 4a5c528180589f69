package io.sluice.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.security.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-connection read answers: a read line matching, no deny line matching, remembered until a reload. */
class TopicPermissionsTest {
    @Test
    void mayRead_followsReadAndDenyLines_andAReloadedAcl(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("acl"), "topic read a/#\ntopic deny a/secret\n");
        AclFile acl = AclFile.load(file);
        TopicPermissions p = new TopicPermissions(acl, Identity.ANONYMOUS, "c", 2);
        assertTrue(p.mayRead("a/x"));
        assertFalse(p.mayRead("a/secret"));
        assertFalse(p.mayRead("b/x"), "no read line");
        assertTrue(p.mayRead("a/y"), "beyond the bound the answers start over, still right");
        assertTrue(p.maySubscribe("a/#"), "the deny line matches one topic only");
        assertFalse(p.maySubscribe("a/secret"));
        Files.writeString(file, "topic read b/#\n");
        acl.reload();
        assertFalse(p.mayRead("a/x"), "a reload forgets the remembered answers");
        assertTrue(p.mayRead("b/x"));
    }

    @Test
    void withoutAnAcl_everythingIsReadable() {
        TopicPermissions p = new TopicPermissions(null, Identity.ANONYMOUS, "c", 2);
        assertTrue(p.mayRead("$SYS/x"));
        assertFalse(p.restricts());
    }
}
