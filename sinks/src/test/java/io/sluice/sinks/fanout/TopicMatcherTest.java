package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicMatcherTest {

    @Test
    void namedSegments_areCaptured_andLevelsMustMatchExactly() {
        TopicMatcher m = new TopicMatcher("sensors/{device}/{measurement}");
        assertEquals(Map.of("device", "d1", "measurement", "temp"), m.match("sensors/d1/temp"));
        assertNull(m.match("sensors/d1"), "fewer levels");
        assertNull(m.match("sensors/d1/temp/extra"), "more levels");
        assertNull(m.match("sensor/d1/temp"), "a different literal");
        assertNull(m.match("sensorsX/d1/temp"), "a longer literal");
        assertNull(m.match("sensors//temp"), "a named segment must not be empty");
    }

    @Test
    void plusMatchesOneLevel_hashTheRest_includingTheParent() {
        assertEquals(Map.of(), new TopicMatcher("a/+/c").match("a/b/c"));
        assertNull(new TopicMatcher("a/+/c").match("a/b/x"));
        assertEquals(Map.of("id", "7"), new TopicMatcher("m/{id}/#").match("m/7/x/y"));
        assertEquals(Map.of(), new TopicMatcher("a/#").match("a"));
        assertEquals(Map.of(), new TopicMatcher("#").match("anything/at/all"));
        assertNull(new TopicMatcher("a/b").match("a/bc"));
        assertEquals(Map.of(), new TopicMatcher("a//b").match("a//b"));
    }
}
