package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubscriptionIndexTest {
    private final SubscriptionIndex index = new SubscriptionIndex();

    private List<String> receivers(String topic) {
        return index.match(topic, "publisher", id -> true).stream().map(Target::clientId).sorted().toList();
    }

    private boolean matches(String filter, String topic) {
        SubscriptionIndex one = new SubscriptionIndex();
        one.add("c", filter, 1, 0);
        boolean viaIndex = !one.match(topic, "p", id -> true).isEmpty();
        assertEquals(viaIndex, TopicMatcher.matches(filter, topic), filter + " vs " + topic);
        assertEquals(viaIndex, one.anyMatch(topic));
        return viaIndex;
    }

    @Test
    void multiLevelWildcard_specExamples() {
        // MQTT 5 section 4.7.1.2: "sport/tennis/player1/#"
        assertTrue(matches("sport/tennis/player1/#", "sport/tennis/player1"));
        assertTrue(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
        assertTrue(matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
        assertTrue(matches("sport/#", "sport"));
        assertTrue(matches("#", "sport/tennis"));
        assertFalse(matches("sport/tennis/player1/#", "sport/tennis/player2"));
    }

    @Test
    void singleLevelWildcard_specExamples() {
        // MQTT 5 section 4.7.1.3
        assertTrue(matches("sport/tennis/+", "sport/tennis/player1"));
        assertTrue(matches("sport/tennis/+", "sport/tennis/player2"));
        assertFalse(matches("sport/tennis/+", "sport/tennis/player1/ranking"));
        assertFalse(matches("sport/+", "sport"));
        assertTrue(matches("sport/+", "sport/"));
        assertTrue(matches("+/+", "/finance"));
        assertTrue(matches("/+", "/finance"));
        assertFalse(matches("+", "/finance"));
        assertTrue(matches("+/tennis/#", "sport/tennis/player1"));
    }

    @Test
    void dollarTopics_areNotMatchedByLeadingWildcards() {
        // MQTT 5 section 4.7.2
        assertFalse(matches("#", "$SYS/broker/clients"));
        assertFalse(matches("+/monitor/Clients", "$SYS/monitor/Clients"));
        assertTrue(matches("$SYS/#", "$SYS/monitor/Clients"));
        assertTrue(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
        assertTrue(matches("$SYS/#", "$SYS"));
    }

    @Test
    void exactAndEmptyLevels() {
        assertTrue(matches("a/b", "a/b"));
        assertFalse(matches("a/b", "a/b/c"));
        assertFalse(matches("a/b/c", "a/b"));
        assertTrue(matches("a//b", "a//b"));
        assertTrue(matches("a/+/b", "a//b"));
        assertFalse(matches("A/b", "a/b"));
    }

    @Test
    void overlappingSubscriptions_giveOneCopyAtTheHighestQos_withEveryIdentifier() {
        index.add("s", "a/+", 0, 7);
        index.add("s", "a/#", 2, 3);
        index.add("s", "a/b", 1, 0);
        List<Target> targets = index.match("a/b", "p", id -> true);
        assertEquals(1, targets.size());
        assertEquals(2, targets.get(0).qos());
        assertArrayEquals(new int[] {3, 7}, targets.get(0).subscriptionIds());
    }

    @Test
    void noLocal_skipsOnlyThePublishersOwnSession() {
        index.add("me", "t", 0x04 | 1, 0);
        index.add("other", "t", 0x04 | 1, 0);
        assertEquals(List.of("other"), index.match("t", "me", id -> true).stream().map(Target::clientId).toList());
        assertTrue(index.anyMatch("t"));
    }

    @Test
    void noLocal_onOneOfTwoMatchingSubscriptions_stillDeliversThroughTheOther() {
        index.add("me", "t/#", 0x04 | 1, 0);
        index.add("me", "t/+", 0, 0);
        List<Target> targets = index.match("t/x", "me", id -> true);
        assertEquals(1, targets.size());
        assertEquals(0, targets.get(0).qos());
    }

    @Test
    void retainAsPublished_isCarried() {
        index.add("r", "t", 0x08 | 1, 0);
        index.add("n", "t", 1, 0);
        for (Target t : index.match("t", "p", id -> true)) {
            assertEquals(t.clientId().equals("r"), t.retainAsPublished());
        }
    }

    @Test
    void sharedSubscription_givesOneMemberPerGroup_inTurn() {
        index.add("a", "$share/g/t/+", 1, 0);
        index.add("b", "$share/g/t/+", 1, 0);
        index.add("c", "$share/h/t/+", 1, 0);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<Target> targets = index.match("t/x", "p", id -> true);
            assertEquals(2, targets.size(), "one per group");
            assertTrue(targets.stream().allMatch(Target::shared));
            targets.stream().filter(t -> !t.clientId().equals("c")).forEach(t -> got.add(t.clientId()));
        }
        assertEquals(Set.of("a", "b"), Set.copyOf(got.subList(0, 2)), "turns alternate");
        assertEquals(got.subList(0, 2), got.subList(2, 4));
    }

    @Test
    void sharedSubscription_prefersConnectedMembers() {
        index.add("offline", "$share/g/t", 1, 0);
        index.add("online", "$share/g/t", 1, 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of("online"), index.match("t", "p", id -> id.equals("online")).stream()
                    .map(Target::clientId).toList());
        }
        // nobody connected: still one member (its session queues it)
        assertEquals(1, index.match("t", "p", id -> false).size());
    }

    @Test
    void sharedAndPlainSubscriptionOfOneSession_areSeparateCopies() {
        index.add("s", "$share/g/t", 1, 0);
        index.add("s", "t", 0, 0);
        assertEquals(2, index.match("t", "p", id -> true).size());
    }

    @Test
    void sharedFilter_parsing_followsTheSpec() {
        assertEquals(new SharedFilter("g", "a/b"), SharedFilter.parse("$share/g/a/b"));
        assertEquals(new SharedFilter("g", "#"), SharedFilter.parse("$share/g/#"));
        assertNull(SharedFilter.parse("$share//a"));
        assertNull(SharedFilter.parse("$share/g"));
        assertNull(SharedFilter.parse("$share/g/"));
        assertNull(SharedFilter.parse("$share/g+/a"));
        assertNull(SharedFilter.parse("$share/#/a"));
        assertNull(SharedFilter.parse("a/b"));
    }

    @Test
    void removal_unsubscribesAndPrunes() {
        index.add("a", "x/y/z", 1, 0);
        index.add("b", "x/#", 1, 0);
        index.add("b", "$share/g/x/y/z", 1, 0);
        assertEquals(List.of("a", "b", "b"), receivers("x/y/z"));
        assertTrue(index.remove("a", "x/y/z"));
        assertFalse(index.remove("a", "x/y/z"));
        index.removeClient("b");
        assertEquals(List.of(), receivers("x/y/z"));
        assertFalse(index.anyMatch("x/y/z"));
        assertEquals(0, index.size());
    }

    @Test
    void replaceClient_setsExactlyTheGivenSubscriptions() {
        index.add("c", "old", 1, 0);
        index.replaceClient("c", Map.of("new/+", 2), Map.of("new/+", 9));
        assertEquals(List.of(), receivers("old"));
        Target t = index.match("new/x", "p", id -> true).get(0);
        assertEquals(2, t.qos());
        assertArrayEquals(new int[] {9}, t.subscriptionIds());
        assertEquals(1, index.size());
    }

    @Test
    void aTopicOfManyLevels_isMatchedWithoutRecursion() {
        String deep = "a/".repeat(30_000) + "b";
        index.add("c", "a/#", 1, 0);
        assertEquals(List.of("c"), receivers(deep));
    }

    @Test
    void matchAmong_givesOnlyTheSessionsAsked_withTheirHighestQosAndIds_noLocal_dollarTopics_andNamedGroups() {
        index.add("w", "t/+", 1, 7);
        index.add("w", "t/#", 2, 9);
        index.add("x", "t/#", 1, 0);
        index.add("nl", "t/a", 1 | 0x04, 0); // no local
        index.add("d", "#", 1, 0);
        index.add("m1", "$share/g/t/+", 1, 0);
        index.add("m2", "$share/g/t/+", 1, 0);
        index.add("m2", "$share/h/t/+", 1, 0);
        Set<String> asked = Set.of("w", "nl", "m2", "d");

        List<Target> got = index.matchAmong("t/a", "nl", null, asked::contains);
        Target w = got.stream().filter(t -> t.clientId().equals("w")).findFirst().orElseThrow();
        assertEquals(2, w.qos());
        assertArrayEquals(new int[] {7, 9}, w.subscriptionIds());
        assertEquals(List.of("d", "m2/g/t/+", "m2/h/t/+", "w"), got.stream()
                .map(t -> t.clientId() + (t.shared() ? "/" + t.group() : "")).sorted().toList(),
                "not x (not asked), not nl (its own message, no local); m2 for both groups although m1 is first in g");
        assertEquals(List.of("m2/h/t/+"), index.matchAmong("t/a", "p", Set.of("h/t/+"),
                id -> id.equals("m2")).stream().map(t -> t.clientId() + "/" + t.group()).toList(),
                "a record naming its groups serves those only");
        assertTrue(index.matchAmong("$SYS/x", "p", null, asked::contains).isEmpty(), "# does not match $-topics");
        assertEquals("m1", index.match("t/a", "p", id -> true).stream().filter(Target::shared)
                .filter(t -> t.group().equals("g/t/+")).findFirst().orElseThrow().clientId(),
                "matchAmong took no turn of the group");
    }
}
