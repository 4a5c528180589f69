package io.sluice.mqtt;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.sluice.mqtt.internal.MqttHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a drain: ends the connections a drained listener still holds, at most {@code ratePerSecond} a second
 * (0: all at once), so a large node does not send all its clients to the other nodes in the same moment. Each is
 * ended as a stop ends it (MQTT 5: DISCONNECT 0x9C with a server reference, or 0x8B; MQTT 3.1.1: closed), on its own
 * event loop.
 *
 * <p>Threading: {@link #start} starts one platform thread, which ends when every connection was handed to its event
 * loop or {@link #stop} is called; {@link #progress} and {@link #await} from any thread.
 */
public final class DrainDisconnects {
    private static final Logger LOG = LoggerFactory.getLogger(DrainDisconnects.class);

    /**
     * How far the ending is.
     *
     * @param toEnd    connections open when it began
     * @param ended    of those, the ones it ended (the rest had closed by themselves meanwhile, or are not done yet)
     * @param complete true when every one was handled (ended or found closed)
     */
    public record Progress(long toEnd, long ended, boolean complete) {
    }

    private final List<Channel> channels;
    private final int ratePerSecond;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private volatile boolean stopped;

    private DrainDisconnects(List<Channel> channels, int ratePerSecond) {
        this.channels = channels;
        this.ratePerSecond = ratePerSecond;
    }

    /** Starts ending {@code channels} at {@code ratePerSecond} (0: at once). */
    static DrainDisconnects start(List<Channel> channels, int ratePerSecond) {
        if (ratePerSecond < 0) {
            throw new IllegalArgumentException("rate " + ratePerSecond);
        }
        DrainDisconnects d = new DrainDisconnects(List.copyOf(channels), ratePerSecond);
        LOG.info("Drain: ending {} connection(s){}", channels.size(),
                ratePerSecond == 0 ? " at once" : " at up to " + ratePerSecond + " a second");
        Thread.ofPlatform().name("sluice-drain-disconnects").daemon().start(d::run);
        return d;
    }

    private void run() {
        long start = System.nanoTime();
        for (int i = 0; i < channels.size() && !stopped; i++) {
            if (ratePerSecond > 0) {
                long due = start + (long) (i * (1_000_000_000.0 / ratePerSecond));
                long wait;
                while (!stopped && (wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(this, wait);
                }
                if (stopped) {
                    return;
                }
            }
            end(channels.get(i));
        }
    }

    private void end(Channel ch) {
        MqttHandler handler = ch.pipeline().get(MqttHandler.class);
        if (handler == null) {
            boolean open = ch.isActive();
            ch.close();
            done(open);
            return;
        }
        Future<Boolean> f = handler.endForDrain(ch);
        f.addListener(x -> done(x.isSuccess() && Boolean.TRUE.equals(x.getNow())));
    }

    private void done(boolean endedIt) {
        if (endedIt) {
            ended.incrementAndGet();
        }
        if (handled.incrementAndGet() == channels.size()) {
            long n = ended.get();
            LOG.info("Drain: ended {} of {} connection(s){}", n, channels.size(),
                    n < channels.size() ? "; the others had closed already" : "");
        }
    }

    public Progress progress() {
        return new Progress(channels.size(), ended.get(), handled.get() == channels.size());
    }

    /** Waits until the ending is complete or {@code timeoutNanos} passed; returns the progress then. Blocking. */
    public Progress await(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (handled.get() < channels.size() && !stopped && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // an operator's command; nothing to wait on
        }
        return progress();
    }

    /** Stops handing out ends (the node is stopping: its close ends the rest at once). */
    void stop() {
        stopped = true;
    }
}
