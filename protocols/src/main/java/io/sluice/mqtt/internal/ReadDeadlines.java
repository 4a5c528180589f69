package io.sluice.mqtt.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time limits on what a client sends, placed before the decoder: the keep-alive (a whole packet within 1.5 times
 * the keep alive, armed at CONNACK) and the packet arrival limit (a packet whose first byte came must be complete
 * within {@code mqtt.packet_arrival_timeout_ms}, so a slow-loris socket cannot pin a decoder buffer of up to
 * {@code mqtt.max_packet_size_bytes}). When one runs out it fires {@link Expired} down the pipeline; the connection
 * decides what to send and closes.
 *
 * <p>Time Sluice itself stops reading the socket ({@link #suspend}: in-flight budget, receive maximum, CONNECT in
 * progress, drain) does not count against the client: on {@link #resume} both limits start afresh. One timer per
 * connection, rescheduled only when it fires or a partial packet starts, not per packet.
 *
 * <p>It also reports the bytes of its packet in progress to {@link PartialPackets}: when the total across
 * connections is over {@code mqtt.max_partial_packet_bytes} after a read that leaves part of a packet here, it fires
 * {@link PartialCap#STOP_READING} (the connection stops reading; both limits keep running, as this is the client's
 * slowness) and {@link PartialCap#READ_AGAIN} once the total has fallen.
 *
 * <p>Threading: the channel's event loop only.
 */
final class ReadDeadlines extends ChannelInboundHandlerAdapter implements PartialPackets.Waiter {
    /** The user event fired when a limit runs out. */
    enum Expired { KEEP_ALIVE, PACKET_ARRIVAL }

    /** The user events that stop and restart reads for the bound on partial packets. */
    enum PartialCap { STOP_READING, READ_AGAIN }

    private final long arrivalNanos;
    private final PartialPackets partials;
    private long partialHeld; // bytes of the packet in progress, as reported to partials
    private boolean capStopped;
    private final PacketFraming framing = new PacketFraming();
    private ChannelHandlerContext context;
    private long keepAliveNanos; // 0: not armed
    private long lastPacketAt;
    private long packetStartedAt;
    private boolean suspended;
    private ScheduledFuture<?> timer;
    private long timerAt;

    ReadDeadlines(long packetArrivalTimeoutMs, PartialPackets partials) {
        this.arrivalNanos = TimeUnit.MILLISECONDS.toNanos(packetArrivalTimeoutMs);
        this.partials = partials;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        context = c;
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            c.fireChannelRead(msg);
            return;
        }
        track(buf);
        long held = framing.partialBytes();
        long total = partials.add(held - partialHeld);
        partialHeld = held;
        c.fireChannelRead(msg);
        if (held > 0 && !capStopped && partials.overCap(total) && c.channel().isActive()) {
            capStopped = true;
            c.fireUserEventTriggered(PartialCap.STOP_READING);
            partials.await(this);
        }
    }

    /** The total fell under the cap: read again (any thread; re-dispatched to the event loop). */
    @Override
    public void capFreed() {
        ChannelHandlerContext c = context;
        try {
            c.executor().execute(() -> {
                if (capStopped) {
                    capStopped = false;
                    c.fireUserEventTriggered(PartialCap.READ_AGAIN);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the event loop is shutting down: the channel closes and reads nothing more anyway
        }
    }

    private void track(ByteBuf buf) {
        long startedBefore = framing.started();
        long completedBefore = framing.completed();
        framing.feed(buf);
        long now = now();
        if (framing.completed() != completedBefore) {
            lastPacketAt = now;
        }
        if (framing.midPacket() && framing.started() != startedBefore) {
            packetStartedAt = now;
            schedule(now + arrivalNanos);
        }
    }

    /** Arms the keep-alive: a whole packet must arrive within {@code millis} of the previous one. */
    void keepAlive(long millis) {
        keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(millis);
        lastPacketAt = now();
        schedule(lastPacketAt + keepAliveNanos);
    }

    /** Sluice stopped reading this socket: neither limit counts until {@link #resume}. */
    void suspend() {
        suspended = true;
        cancel();
    }

    /** Sluice reads this socket again: the keep-alive and a packet in progress get their whole time afresh. */
    void resume() {
        if (!suspended) {
            return;
        }
        suspended = false;
        long now = now();
        lastPacketAt = now;
        packetStartedAt = now;
        long next = nextDeadline();
        if (next != Long.MAX_VALUE) {
            schedule(next);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        cancel();
        releasePartial();
        super.channelInactive(c);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext c) {
        cancel();
        releasePartial();
    }

    /** The connection is gone: what it held of a packet no longer counts, and it waits for nothing. */
    private void releasePartial() {
        partials.forget(this);
        long held = partialHeld;
        partialHeld = 0;
        partials.add(-held);
    }

    private long nextDeadline() {
        long next = Long.MAX_VALUE;
        if (keepAliveNanos > 0) {
            next = lastPacketAt + keepAliveNanos;
        }
        if (framing.midPacket()) {
            next = Math.min(next, packetStartedAt + arrivalNanos);
        }
        return next;
    }

    /** Makes sure the timer fires no later than {@code at}. */
    private void schedule(long at) {
        if (suspended || context == null) {
            return;
        }
        if (timer != null) {
            if (timerAt <= at) {
                return;
            }
            timer.cancel(false);
        }
        timerAt = at;
        timer = context.executor().schedule(this::check, Math.max(0, at - now()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        if (suspended || !context.channel().isActive()) {
            return;
        }
        long now = now();
        if (framing.midPacket() && now - packetStartedAt >= arrivalNanos) {
            context.fireUserEventTriggered(Expired.PACKET_ARRIVAL);
        } else if (keepAliveNanos > 0 && now - lastPacketAt >= keepAliveNanos) {
            context.fireUserEventTriggered(Expired.KEEP_ALIVE);
        } else {
            long next = nextDeadline();
            if (next != Long.MAX_VALUE) {
                schedule(next);
            }
        }
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private long now() {
        return context == null ? System.nanoTime() : context.executor().ticker().nanoTime();
    }
}
