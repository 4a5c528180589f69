package io.sluice.sinks.fanout;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target of the fan-out's JSON reader ({@link Json#parse}): any text either parses to a tree of the documented
 * types (maps, lists, strings, Long, finite or infinite Double, Boolean, null) or is refused with
 * IllegalArgumentException; nothing else escapes, whatever the nesting or the length.
 *
 * <p>Input: UTF-8 text in {@link FuzzInput}'s repeated-unit form, so {@code [[[[...} a hundred thousand deep is a
 * few bytes of input. In a normal test run it replays
 * {@code JsonFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes (docs/FUZZING.md).
 */
class JsonFuzzTest {
    private static final int MAX_CHARS = 262_144;

    @FuzzTest(maxDuration = "20s")
    void anyText_parsesToATree_orIsRefusedWithIllegalArgument(byte[] input) {
        String text = new String(new FuzzInput(input).repeatedThenTail(MAX_CHARS), StandardCharsets.UTF_8);
        Object tree;
        try {
            tree = Json.parse(text);
        } catch (IllegalArgumentException refused) {
            return;
        }
        checkTypes(tree);
    }

    /** Walks the tree without recursion (the tree may be as deep as the parser allows). */
    private static void checkTypes(Object root) {
        Deque<Object> todo = new ArrayDeque<>();
        todo.push(root == null ? "null" : root);
        for (int steps = 0; !todo.isEmpty(); steps++) {
            assertTrue(steps <= MAX_CHARS * 2, "a tree no larger than its text");
            Object v = todo.pop();
            if (v instanceof Map<?, ?> m) {
                m.forEach((k, x) -> {
                    assertTrue(k instanceof String, "keys are strings");
                    todo.push(x == null ? "null" : x);
                });
            } else if (v instanceof List<?> l) {
                l.forEach(x -> todo.push(x == null ? "null" : x));
            } else {
                assertTrue(v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean,
                        "a JSON value: " + v.getClass());
            }
        }
    }
}
