package io.sluice.sim.bench;

import io.sluice.ingest.Delivery;
import io.sluice.ingest.InflightBudget;
import io.sluice.udp.MqttSnConfig;
import io.sluice.udp.MqttSnLimits;
import io.sluice.udp.MqttSnStats;
import io.sluice.udp.internal.MqttSnCore;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim bench-mqttsn-state}: heap the MQTT-SN gateway keeps per client. Drives the gateway's protocol
 * core directly (no sockets, an ingest that acknowledges at once) with N clients from distinct addresses, each
 * connecting, registering a topic and publishing one QoS 1 reading, then reports the live heap per client after a
 * full GC. Run it with a heap large enough for N (e.g. -Xmx4g for 5M).
 */
@Command(name = "bench-mqttsn-state", mixinStandardHelpOptions = true,
        description = "Heap per MQTT-SN client state held by the gateway (connected, one topic, one delivery).")
public final class MqttSnStateBenchCommand implements Callable<Integer> {
    @Option(names = "--clients", description = "clients (default ${DEFAULT-VALUE})")
    int clients = 1_000_000;

    @Override
    public Integer call() throws Exception {
        // the default limits, except as many clients as asked for (mqtt_sn.max_clients would refuse more)
        MqttSnLimits d = MqttSnLimits.DEFAULTS;
        MqttSnLimits limits = new MqttSnLimits(Math.max(1, clients), d.maxTopicsPerClient(),
                d.maxTopicBytesPerClient(), Long.MAX_VALUE, d.maxInflightPerClient());
        MqttSnCore core = new MqttSnCore(MqttSnConfig.of("127.0.0.1", 0, Map.of(), 86_400_000L, 4096).withLimits(limits),
                e -> CompletableFuture.completedFuture(Delivery.DELIVERED), new InflightBudget(1L << 30),
                new MqttSnStats(), System::currentTimeMillis);
        long before = liveHeap();
        byte[] addr = new byte[4];
        for (int i = 0; i < clients; i++) {
            addr[0] = 10;
            addr[1] = (byte) (i >> 16);
            addr[2] = (byte) (i >> 8);
            addr[3] = (byte) i;
            InetSocketAddress from = new InetSocketAddress(InetAddress.getByAddress(addr), 40000 + (i & 0x3fff));
            String id = String.format("sensor-%08d", i);
            core.onDatagram(connect(id), from, (to, b) -> { });
            core.onDatagram(register("sensors/" + id + "/t"), from, (to, b) -> { });
            core.onDatagram(publish(1, "21.5"), from, (to, b) -> { });
        }
        long after = liveHeap();
        System.out.printf("%,d MQTT-SN clients held (connected, 1 registered topic of ~24 chars, 1 delivered QoS 1"
                        + " msg id): %,d bytes of live heap per client; %,.0f MiB for 10M at that rate%n",
                core.clientCount(), (after - before) / Math.max(1, clients),
                (after - before) / (double) clients * 10_000_000 / (1 << 20));
        return core.clientCount() == clients ? 0 : 1;
    }

    private static long liveHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static byte[] packet(int type, byte[] body) {
        byte[] out = new byte[2 + body.length];
        out[0] = (byte) out.length;
        out[1] = (byte) type;
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    private static byte[] connect(String id) {
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[4 + b.length];
        body[1] = 0x01;
        body[3] = 60;
        System.arraycopy(b, 0, body, 4, b.length);
        return packet(0x04, body);
    }

    private static byte[] register(String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[4 + t.length];
        body[3] = 1;
        System.arraycopy(t, 0, body, 4, t.length);
        return packet(0x0A, body);
    }

    private static byte[] publish(int msgId, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[5 + p.length];
        body[0] = (byte) (1 << 5);
        body[2] = 1;
        body[4] = (byte) msgId;
        System.arraycopy(p, 0, body, 5, p.length);
        return packet(0x0C, body);
    }
}
