package io.sluice.mqtt.internal;

import io.sluice.auth.TopicPermissions;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Protocols;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a will message: written to the readings topic like a PUBLISH of its client (and, with delivery on, to
 * the subscribers of its topic), if the ACL lets the client publish to it and the in-flight budget has room. Used by
 * a connection that ends without a normal DISCONNECT and by a will restored after a restart ({@link StoredWill}).
 *
 * <p>Threading: any thread; never blocks.
 */
final class WillPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(WillPublisher.class);

    private WillPublisher() {
    }

    static void publish(Context ctx, String clientId, String protocolVersion, Packets.Will will, boolean retain,
                        TopicPermissions permissions) {
        Envelope e = new Envelope(clientId, will.topic(), will.payload(), Protocols.MQTT, protocolVersion, will.qos(),
                ctx.clock().millis() * 1_000_000L, will.contentType(), will.userProperties(), null,
                permissions.identity());
        int weight = e.weightBytes();
        if (TopicNames.validName(will.topic()) && !permissions.mayPublish(will.topic())) {
            ctx.stats().count("will_not_authorized");
            LOG.warn("Will message of '{}' to '{}' dropped: not allowed by the ACL [will_not_authorized]", clientId,
                    will.topic());
            return;
        }
        if (!TopicNames.validName(will.topic()) || !ctx.budget().tryAcquire(weight)) {
            ctx.stats().count("will_dropped");
            LOG.warn("Will message of '{}' dropped (invalid topic or in-flight budget spent)", clientId);
            return;
        }
        ctx.stats().count("will_published");
        ctx.outstanding().incrementAndGet();
        (ctx.broker() == null ? ctx.ingest().submit(e) : ctx.broker().publish(e,
                DeliveryHooks.willMessage(will, retain, clientId, ctx.clock()), ctx.ingest())).whenComplete((d, err) -> {
            ctx.budget().release(weight);
            ctx.outstanding().decrementAndGet();
        });
    }

    /** Publishes a will restored from the sessions topic, with the permissions its client's identity has now. */
    static void publish(Context ctx, String clientId, StoredWill w) {
        publish(ctx, clientId, w.protocolVersion(), w.will(), w.retain(),
                ctx.auth().permissions(w.identity(), clientId));
    }
}
