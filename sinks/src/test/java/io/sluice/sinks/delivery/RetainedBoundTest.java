package io.sluice.sinks.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sluice.delivery.Message;
import io.sluice.sinks.delivery.internal.RetainedBound;
import org.junit.jupiter.api.Test;

class RetainedBoundTest {

    private static Message retained(String topic, int payloadBytes) {
        return new Message(topic, new byte[payloadBytes], 1, true, "p", 1, 0, -1, null, null, null, null);
    }

    @Test
    void beyondTheMessageBound_aNewTopicIsCountedAndNotHeld_whileHeldTopicsStillChange() {
        var bound = new RetainedBound(2, 1_000_000);
        Message a = retained("a", 10);
        Message b = retained("b", 10);
        Message c = retained("c", 10);
        Message a2 = retained("a", 20);

        assertSame(a, bound.admit(a));
        assertSame(b, bound.admit(b));
        assertNull(bound.admit(c));
        assertSame(a2, bound.admit(a2));

        assertEquals(2, bound.count());
        assertEquals(1, bound.refused());
        assertEquals(20 + 2 + 200 + 10 + 2 + 200, bound.bytes());
    }

    @Test
    void aDeletion_freesRoom_andADeletionOfATopicNotHeld_isNotHandedOn() {
        var bound = new RetainedBound(1, 1_000_000);
        bound.admit(retained("a", 10));
        assertNull(bound.admit(retained("b", 10)));

        assertNull(bound.admit(retained("b", 0)), "b was never held: nothing to delete");
        assertNotNull(bound.admit(retained("a", 0)));
        assertEquals(0, bound.count());
        assertEquals(0, bound.bytes());
        Message b = retained("b", 10);
        assertSame(b, bound.admit(b));
    }

    @Test
    void aHeldTopicReplacedBeyondTheByteBound_isDeleted_notLeftStale() {
        var bound = new RetainedBound(10, 300);
        bound.admit(retained("a", 50));

        Message handed = bound.admit(retained("a", 200));

        assertEquals("a", handed.topic());
        assertEquals(0, handed.payload().length, "the listener is told to delete the old one");
        assertEquals(0, bound.count());
        assertEquals(1, bound.refused());
    }
}
