package io.sluice.mqtt.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The other nodes an MQTT 5 client may be sent to (mqtt.server_references), handed out in turn so the clients of a
 * node that stops, drains or is full spread over them rather than all going to the first.
 *
 * <p>Thread-safe: any event loop asks for the next one.
 */
public final class ServerReferences {
    private final List<String> references;
    private final AtomicLong turn = new AtomicLong();

    public ServerReferences(List<String> references) {
        this.references = List.copyOf(references);
    }

    /** True when there are references to send (otherwise clients are told 0x8B or closed, as without them). */
    public boolean enabled() {
        return !references.isEmpty();
    }

    /** The next reference in turn, or null when there are none. */
    public String next() {
        if (references.isEmpty()) {
            return null;
        }
        return references.get((int) Math.floorMod(turn.getAndIncrement(), (long) references.size()));
    }
}
