package io.sluice.auth;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks user names and passwords against a {@link PasswordFile} without blocking the caller: a PBKDF2 runs on a
 * bounded pool ({@code threads} threads, at most {@code queue} waiting); when the queue is full the answer is
 * {@link Result#BUSY} at once. Successful verifications are remembered (at most {@code maxRemembered}, least
 * recently used forgotten first) under an HMAC-SHA256 of user and password with a key drawn at random when the
 * process starts, never the password itself; a reconnecting device costs one PBKDF2, not one per CONNECT. Everything
 * remembered is forgotten when the file is reloaded. Thread-safe; {@link #verify} may be called on an event loop
 * (it costs one HMAC there) and completes on a pool thread, or at once.
 */
public final class PasswordVerifier implements AutoCloseable {
    /** What a verification found. */
    public enum Result { OK, BAD, BUSY }

    private final PasswordFile file;
    private final ThreadPoolExecutor pool;
    private final Map<String, Boolean> remembered;
    private final int maxRemembered;
    private final byte[] hmacKey = new byte[32];
    private final ThreadLocal<Mac> macs;
    /** Bumped on every reload: a verification begun before it is not remembered after it. */
    private final AtomicInteger generation = new AtomicInteger();
    private volatile PasswordHash dummy;
    /** PBKDF2 verifications begun (known and unknown users, right and wrong passwords). */
    public final LongAdder computed = new LongAdder();
    /** Verifications answered from memory, without a PBKDF2. */
    public final LongAdder rememberedHits = new LongAdder();
    /** Verifications refused at once because the queue was full. */
    public final LongAdder refusedBusy = new LongAdder();

    public PasswordVerifier(PasswordFile file, int threads, int queue, int maxRemembered) {
        this.file = file;
        this.maxRemembered = maxRemembered;
        new SecureRandom().nextBytes(hmacKey);
        this.macs = ThreadLocal.withInitial(this::newMac);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "sluice-password-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.remembered = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > PasswordVerifier.this.maxRemembered;
            }
        };
        file.onChange(this::forget);
    }

    /** Checks {@code password} (as sent in CONNECT; null when none was sent) for {@code user}. */
    public CompletableFuture<Result> verify(String user, byte[] password) {
        if (password == null) {
            return CompletableFuture.completedFuture(Result.BAD);
        }
        String key = key(user, password);
        synchronized (remembered) {
            if (remembered.get(key) != null) {
                rememberedHits.increment();
                return CompletableFuture.completedFuture(Result.OK);
            }
        }
        int gen = generation.get();
        PasswordHash stored = file.lookup(user);
        CompletableFuture<Result> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    computed.increment();
                    boolean ok;
                    if (stored != null) {
                        ok = stored.verify(password);
                    } else {
                        dummy().verify(password); // spent for its timing only
                        ok = false;
                    }
                    if (ok) {
                        synchronized (remembered) {
                            if (generation.get() == gen) {
                                remembered.put(key, Boolean.TRUE);
                            }
                        }
                    }
                    result.complete(ok ? Result.OK : Result.BAD);
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            refusedBusy.increment();
            result.complete(Result.BUSY);
        }
        return result;
    }

    /** An unknown user costs as much as a known one, so timing does not tell which names exist. */
    private PasswordHash dummy() {
        PasswordHash d = dummy;
        if (d == null) {
            d = PasswordHash.create(new byte[0], PasswordHash.DEFAULT_ITERATIONS);
            dummy = d;
        }
        return d;
    }

    /** Forgets every remembered verification (the password file changed). */
    public void forget() {
        synchronized (remembered) {
            generation.incrementAndGet();
            remembered.clear();
        }
    }

    /** Checks waiting in the pool's queue now (at most {@code queue}; beyond it the answer is {@link Result#BUSY}). */
    public int queueDepth() {
        return pool.getQueue().size();
    }

    /** Verifications remembered now. */
    public int rememberedCount() {
        synchronized (remembered) {
            return remembered.size();
        }
    }

    private String key(String user, byte[] password) {
        Mac mac = macs.get();
        byte[] u = PasswordHash.utf8(user);
        mac.update(new byte[] {(byte) (u.length >>> 24), (byte) (u.length >>> 16), (byte) (u.length >>> 8),
                (byte) u.length});
        mac.update(u);
        mac.update(password);
        return new String(mac.doFinal(), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
