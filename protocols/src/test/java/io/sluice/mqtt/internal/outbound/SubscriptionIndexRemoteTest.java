package io.sluice.mqtt.internal.outbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.delivery.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The subscription index holding sessions of other nodes: which nodes a message goes to, and who gets copies here. */
class SubscriptionIndexRemoteTest {
    private static final String HERE = "node-a";
    private final SubscriptionIndex index = new SubscriptionIndex();

    private List<Route> route(String topic, int qos) {
        return index.route(topic, "publisher", qos, id -> true, HERE);
    }

    private List<String> nodes(String topic) {
        return route(topic, 1).stream().map(Route::node).sorted().toList();
    }

    private List<String> localReceivers(String topic) {
        return index.match(topic, "publisher", id -> true).stream().map(Target::clientId).sorted().toList();
    }

    @Test
    void aRemoteSubscriber_sendsTheMessageToItsNode_andNeverBecomesACopyHere() {
        index.replaceRemote("far", "node-b", true, Map.of("t/+", 1), Map.of());
        assertEquals(List.of(new Route("node-b", null)), route("t/1", 1), "one node, no shared group: no list");
        assertEquals(List.of(), localReceivers("t/1"));
        assertEquals(List.of(), route("u/1", 1));
        assertEquals(1, index.size());
        assertEquals(1, index.remoteSize());
        assertEquals("node-b", index.remoteNode("far"));
    }

    @Test
    void withoutRemoteSessions_theRouteIsThisNodeAlone_asOnASingleNode() {
        index.add("s", "t/#", 1, 0);
        index.add("m", "$share/g/t/#", 1, 0);
        assertEquals(List.of(Route.allGroups(HERE)), route("t/x", 1));
        assertEquals(List.of(), route("other", 1));
    }

    @Test
    void dollarTopics_areNotRoutedByALeadingWildcardOfAnotherNode() {
        index.replaceRemote("all", "node-b", true, Map.of("#", 1), Map.of());
        index.replaceRemote("sys", "node-c", true, Map.of("$SYS/#", 1), Map.of());
        assertEquals(List.of("node-c"), nodes("$SYS/broker/load"));
        assertEquals(List.of("node-b"), nodes("sensors/1"));
    }

    @Test
    void overlappingLocalAndRemoteSubscribers_getOneRecordPerNode_eachNamingNoGroup() {
        index.add("here1", "t/#", 1, 0);
        index.add("here2", "t/+", 2, 0);
        index.replaceRemote("b1", "node-b", true, Map.of("t/1", 1), Map.of());
        index.replaceRemote("b2", "node-b", true, Map.of("#", 0), Map.of());
        index.replaceRemote("c1", "node-c", false, Map.of("t/+", 1), Map.of());
        List<Route> r = route("t/1", 1);
        assertEquals(3, r.size(), r.toString());
        for (Route x : r) {
            assertEquals(Set.of(), x.sharedGroups(), "several nodes: each record says it serves no shared group");
        }
        assertEquals(List.of("node-a", "node-b", "node-c"), nodes("t/1"));
        assertEquals(List.of("here1", "here2"), localReceivers("t/1"));
    }

    @Test
    void anOfflineRemoteSession_getsNoRecordForWhatItWouldNotQueue() {
        index.replaceRemote("q0", "node-b", false, Map.of("t", 0), Map.of());
        index.replaceRemote("q1", "node-c", false, Map.of("t", 1), Map.of());
        assertEquals(List.of("node-c"), nodes("t"), "QoS 1 message: only the QoS 1 subscription queues it");
        assertEquals(List.of(), route("t", 0), "QoS 0 message: an offline session queues nothing");
        index.replaceRemote("q0", "node-b", true, Map.of("t", 0), Map.of());
        assertEquals(List.of(new Route("node-b", null)), route("t", 0), "connected again: it gets QoS 0 too");
    }

    @Test
    void noLocal_ofThePublishersOwnSubscription_leavesOnlyTheOtherNodes() {
        index.add("publisher", "t", 1 | 0x04, 0);
        index.replaceRemote("far", "node-b", true, Map.of("t", 1), Map.of());
        assertEquals(List.of(new Route("node-b", null)), route("t", 1));
        index.add("other", "t", 1, 0);
        assertEquals(List.of("node-a", "node-b"), nodes("t"));
    }

    @Test
    void aSessionMovingBetweenThisNodeAndAnother_isHeldOnce_withItsLatestNode() {
        Map<String, Integer> subs = Map.of("a/#", 1, "b", 2);
        index.replaceClient("mover", subs, Map.of("b", 7));
        assertEquals(2, index.size());
        assertNull(index.remoteNode("mover"));

        index.replaceRemote("mover", "node-b", true, subs, Map.of("b", 7));
        assertEquals(2, index.size(), "replaced, not added");
        assertEquals(2, index.remoteSize());
        assertEquals(List.of(), localReceivers("b"));
        assertEquals(List.of("node-b"), nodes("b"));

        index.replaceRemote("mover", "node-c", false, Map.of("b", 2), Map.of());
        assertEquals(1, index.size());
        assertEquals(List.of("node-c"), nodes("b"));
        assertEquals(List.of(), nodes("a/x"));

        assertFalse(index.removeLocal("mover"), "held as node-c's: a session ending here leaves it");
        index.replaceClient("mover", subs, Map.of());
        assertEquals(2, index.size());
        assertEquals(0, index.remoteSize());
        assertEquals(List.of("mover"), localReceivers("b"));
        assertEquals(List.of(Route.allGroups(HERE)), route("b", 1));
        assertFalse(index.removeRemote("mover"), "held as this node's: another node's tombstone leaves it");
        assertTrue(index.removeLocal("mover"));
        assertEquals(0, index.size());
    }

    @Test
    void aSharedGroupSplitAcrossNodes_goesToOneNodeInTurn_andThatRecordNamesTheGroup() {
        index.add("m-a", "$share/g/t/+", 1, 0);
        index.replaceRemote("m-b", "node-b", true, Map.of("$share/g/t/+", 1), Map.of());
        index.replaceRemote("m-c", "node-c", true, Map.of("$share/g/t/+", 1), Map.of());
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 9; i++) {
            List<Route> r = route("t/x", 1);
            assertEquals(1, r.size(), "exactly one node serves the group: " + r);
            assertEquals(Set.of("g/t/+"), r.get(0).sharedGroups());
            perNode.merge(r.get(0).node(), 1, Integer::sum);
        }
        assertEquals(Map.of("node-a", 3, "node-b", 3, "node-c", 3), perNode, "members in turn");
    }

    @Test
    void aSharedGroup_prefersConnectedMembers_whereverTheyAre() {
        index.add("m-a", "$share/g/t", 1, 0);
        index.replaceRemote("m-b", "node-b", false, Map.of("$share/g/t", 1), Map.of());
        index.replaceRemote("m-c", "node-c", true, Map.of("$share/g/t", 1), Map.of());
        for (int i = 0; i < 6; i++) {
            List<Route> r = index.route("t", "publisher", 1, id -> false, HERE); // m-a is not connected
            assertEquals(List.of(new Route("node-c", Set.of("g/t"))), r);
        }
        for (int i = 0; i < 4; i++) {
            List<Route> r = index.route("t", "publisher", 1, id -> false, HERE);
            assertTrue(r.get(0).node().equals("node-c"));
        }
        index.replaceRemote("m-c", "node-c", false, Map.of("$share/g/t", 1), Map.of());
        Set<String> chosen = new java.util.HashSet<>();
        for (int i = 0; i < 6; i++) {
            chosen.add(index.route("t", "publisher", 1, id -> false, HERE).get(0).node());
        }
        assertEquals(Set.of("node-a", "node-b", "node-c"), chosen, "none connected: each in turn (offline queues)");
    }

    @Test
    void aGroupAndDirectSubscribersOnOtherNodes_nameTheGroupOnlyInTheChosenNodesRecord() {
        index.add("direct-a", "t", 1, 0);
        index.replaceRemote("m-b", "node-b", true, Map.of("$share/g/t", 1), Map.of());
        List<Route> r = route("t", 1);
        assertEquals(List.of(new Route(HERE, Set.of()), new Route("node-b", Set.of("g/t"))), r);
    }

    @Test
    void theReceivingNode_servesOnlyTheGroupsItsRecordNames_andOnlyWithItsOwnMembers() {
        index.add("m-a", "$share/g/t", 1, 0);
        index.add("m-a2", "$share/h/t", 1, 0);
        index.replaceRemote("m-b", "node-b", true, Map.of("$share/g/t", 1), Map.of());
        index.add("direct", "t", 1, 0);

        List<Target> all = index.match("t", "p", id -> true, null);
        assertEquals(List.of("direct", "m-a", "m-a2"), all.stream().map(Target::clientId).sorted().toList(),
                "no list: every group, members of this node only");

        List<Target> none = index.match("t", "p", id -> true, Set.of());
        assertEquals(List.of("direct"), none.stream().map(Target::clientId).toList());

        List<Target> onlyG = index.match("t", "p", id -> true, Set.of("g/t"));
        assertEquals(List.of("direct", "m-a"), onlyG.stream().map(Target::clientId).sorted().toList());
        Target g = onlyG.stream().filter(Target::shared).findFirst().orElseThrow();
        assertEquals("g/t", g.group());

        index.removeLocal("m-a");
        assertEquals(List.of("direct"), index.match("t", "p", id -> true, Set.of("g/t")).stream()
                .map(Target::clientId).toList(), "the group's only member here left: nobody here gets it");
    }

    @Test
    void aRemoteTombstone_removesOnlyThatNodesEntries() {
        index.replaceRemote("far", "node-b", true, Map.of("x", 1, "y", 1), Map.of());
        assertTrue(index.removeRemote("far"));
        assertEquals(0, index.size());
        assertEquals(0, index.remoteSize());
        assertEquals(List.of(), route("x", 1));
        assertFalse(index.anyMatch("x"));
    }
}
