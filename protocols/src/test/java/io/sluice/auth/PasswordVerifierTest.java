package io.sluice.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.auth.PasswordVerifier.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification off the caller's thread, bounded, and remembered so a reconnect storm costs one PBKDF2. */
class PasswordVerifierTest {
    private static PasswordFile file(Path dir, String user, String password, int iterations) throws Exception {
        Path f = dir.resolve("passwd");
        PasswordFile.write(f, Map.of(user, PasswordHash.create(PasswordHash.utf8(password), iterations)));
        return PasswordFile.load(f);
    }

    private static Result verify(PasswordVerifier v, String user, String pw) throws Exception {
        return v.verify(user, PasswordHash.utf8(pw)).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aReconnectStorm_costsOnePbkdf2_andAWrongPasswordIsNeverRemembered(@TempDir Path dir) throws Exception {
        try (PasswordVerifier v = new PasswordVerifier(file(dir, "dev-1", "pw", 1000), 1, 16, 100)) {
            for (int i = 0; i < 50; i++) {
                assertEquals(Result.OK, verify(v, "dev-1", "pw"));
            }
            assertEquals(1, v.computed.sum(), "one PBKDF2 for 50 CONNECTs");
            assertEquals(49, v.rememberedHits.sum());
            assertEquals(Result.BAD, verify(v, "dev-1", "pW"));
            assertEquals(Result.BAD, verify(v, "dev-1", "pW"));
            assertEquals(Result.BAD, verify(v, "nobody", "pw"));
            assertEquals(4, v.computed.sum(), "failures cost a PBKDF2 each (unknown users too)");
            assertEquals(Result.BAD, v.verify("dev-1", null).get(), "no password");
        }
    }

    @Test
    void reloadingTheFile_forgetsRemembered_andTheOldPasswordStopsWorking(@TempDir Path dir) throws Exception {
        PasswordFile f = file(dir, "dev-1", "old", 500);
        try (PasswordVerifier v = new PasswordVerifier(f, 1, 16, 100)) {
            assertEquals(Result.OK, verify(v, "dev-1", "old"));
            assertEquals(1, v.rememberedCount());
            PasswordFile.write(dir.resolve("passwd"), Map.of("dev-1",
                    PasswordHash.create(PasswordHash.utf8("new"), 500)));
            f.reload();
            assertEquals(0, v.rememberedCount());
            assertEquals(Result.BAD, verify(v, "dev-1", "old"));
            assertEquals(Result.OK, verify(v, "dev-1", "new"));
        }
    }

    @Test
    void aFullQueue_answersBusyAtOnce(@TempDir Path dir) throws Exception {
        // one thread, one queue slot; each check of this hash takes far longer than submitting three
        try (PasswordVerifier v = new PasswordVerifier(file(dir, "dev-1", "pw", 600_000), 1, 1, 100)) {
            List<CompletableFuture<Result>> f = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                f.add(v.verify("dev-1", PasswordHash.utf8("wrong-" + i)));
            }
            assertEquals(Result.BUSY, f.get(2).getNow(null), "refused without waiting");
            assertEquals(1, v.refusedBusy.sum());
            assertEquals(Result.BAD, f.get(0).get(60, TimeUnit.SECONDS));
            assertTrue(f.get(1).get(60, TimeUnit.SECONDS) == Result.BAD);
        }
    }
}
