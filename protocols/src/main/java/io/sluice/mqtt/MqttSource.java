package io.sluice.mqtt;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.sluice.delivery.DeliveryLog;
import io.sluice.ingest.InflightBudget;
import io.sluice.ingest.Ingest;
import io.sluice.ingest.SessionStore;
import io.sluice.mqtt.internal.Context;
import io.sluice.mqtt.internal.MqttHandler;
import io.sluice.mqtt.internal.SessionRegistry;
import io.sluice.mqtt.internal.outbound.Broker;
import io.sluice.tls.AcceptLimiter;
import io.sluice.tls.PeerIdentityHandler;
import io.sluice.tls.ServerTls;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT 3.1.1 / 5 listeners: plain TCP and, when configured, TLS ({@link Listeners}); both feed one pipeline.
 * Accepted PUBLISHes go to {@link Ingest}; QoS 1 PUBLISHes are acknowledged only once their delivery completes as
 * delivered. Epoll when available, NIO otherwise; TCP_NODELAY on every socket. Connections beyond the per-source
 * bounds are closed at accept time ({@link AcceptLimiter}), before any TLS work.
 *
 * <p>Lifecycle: {@link #start} (blocking: loads sessions, then binds), {@link #stopAccepting} or {@link #drain},
 * {@link #awaitInflight}, for an operator's drain {@link #endConnections}, then {@link #close}. Thread-safe.
 */
public final class MqttSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MqttSource.class);

    private final MqttConfig config;
    private final Listeners listeners;
    private final MqttStats stats = new MqttStats();
    private final SessionRegistry sessions;
    private final Context context;
    /** Delivery to subscribers; null when it is off. */
    private final Broker broker;
    private final ChannelGroup channels = new DefaultChannelGroup("mqtt", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel server;
    private Channel tlsServer;
    private volatile DrainDisconnects ending;

    public MqttSource(MqttConfig config, Ingest ingest, InflightBudget budget, SessionStore store, Clock clock) {
        this(config, SessionLimits.defaults(), ingest, budget, store, clock);
    }

    public MqttSource(MqttConfig config, SessionLimits limits, Ingest ingest, InflightBudget budget,
                      SessionStore store, Clock clock) {
        this(config, Listeners.plainOnly(), limits, ingest, budget, store, clock, io.sluice.auth.Authenticator.open());
    }

    public MqttSource(MqttConfig config, Listeners listeners, SessionLimits limits, Ingest ingest,
                      InflightBudget budget, SessionStore store, Clock clock) {
        this(config, listeners, limits, ingest, budget, store, clock, io.sluice.auth.Authenticator.open());
    }

    /** With {@code auth} deciding who may connect and what each client may publish and subscribe to. */
    public MqttSource(MqttConfig config, SessionLimits limits, Ingest ingest, InflightBudget budget,
                      SessionStore store, Clock clock, io.sluice.auth.Authenticator auth) {
        this(config, Listeners.plainOnly(), limits, ingest, budget, store, clock, auth);
    }

    /** Plain and TLS listeners as {@code listeners} says, with {@code auth} deciding who may do what; no delivery. */
    public MqttSource(MqttConfig config, Listeners listeners, SessionLimits limits, Ingest ingest,
                      InflightBudget budget, SessionStore store, Clock clock, io.sluice.auth.Authenticator auth) {
        this(config, listeners, limits, ingest, budget, store, clock, auth, null, null, DeliveryLimits.defaults());
    }

    /**
     * With delivery to subscribers through {@code deliveryLog} (null: delivery off, RETAIN refused, nothing
     * delivered). {@link #start} starts the log (after loading sessions, before binding) and {@link #close} closes
     * it. {@code nodeId} names this node in the log (the target of its own subscribers' messages).
     */
    public MqttSource(MqttConfig config, Listeners listeners, SessionLimits limits, Ingest ingest,
                      InflightBudget budget, SessionStore store, Clock clock, io.sluice.auth.Authenticator auth,
                      DeliveryLog deliveryLog, String nodeId, DeliveryLimits deliveryLimits) {
        this.config = config;
        this.listeners = listeners;
        this.sessions = new SessionRegistry(store, clock, stats, limits, nodeId);
        this.broker = deliveryLog == null ? null : new Broker(deliveryLog, nodeId, deliveryLimits, stats, clock);
        this.context = new Context(config, ingest, budget, sessions, stats, clock, new AtomicLong(),
                new AtomicBoolean(true), auth, broker);
    }

    /** Loads persistent sessions, then binds. Blocking. */
    public synchronized void start() {
        sessions.load();
        if (broker != null) {
            broker.start(sessions); // retained messages read to the end, then deliveries follow
        }
        sessions.follow(); // what other nodes write from where the load stopped
        boolean epoll = Epoll.isAvailable();
        boss = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        sessions.rearmWills(context, workers); // before binding: a client back within its will delay cancels it
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        AcceptLimiter limiter = new AcceptLimiter(listeners.sourceLimits(), stats);
        ServerTls tls = listeners.tls();
        try {
            if (listeners.plain()) {
                server = bootstrap(channelType, limiter, null).bind(config.host(), config.port())
                        .syncUninterruptibly().channel();
            }
            if (tls != null) {
                tlsServer = bootstrap(channelType, limiter, tls).bind(tls.config().host(), tls.config().port())
                        .syncUninterruptibly().channel();
            }
        } catch (RuntimeException e) {
            boolean plainBound = server != null;
            close();
            String where = plainBound || !listeners.plain()
                    ? tls.config().host() + ":" + tls.config().port() + " (TLS)"
                    : config.host() + ":" + config.port();
            throw new IllegalStateException("cannot listen for MQTT on " + where + ": " + e.getMessage(), e);
        }
        workers.next().scheduleAtFixedRate(sessions::sweepExpired, 30, 30, TimeUnit.SECONDS);
        if (server != null) {
            LOG.info("MQTT listening on {}:{} ({}, {} session(s) loaded)", config.host(), port(),
                    epoll ? "epoll" : "nio", sessions.sessionCount());
        }
        if (tls != null) {
            LOG.info("MQTT over TLS listening on {}:{} ({}, provider {}, client certificates {}, protocols {})",
                    tls.config().host(), tlsPort(), epoll ? "epoll" : "nio", tls.providerName(),
                    tls.config().clientAuth().name().toLowerCase(java.util.Locale.ROOT), tls.config().protocols());
        }
    }

    /** One listener: the limiter on the listening socket, then (for TLS) SslHandler and identity, then MQTT. */
    private ServerBootstrap bootstrap(Class<? extends ServerChannel> channelType, AcceptLimiter limiter,
                                      ServerTls tls) {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .handler(limiter)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()))
                                    .addLast("identity", new PeerIdentityHandler(tls.config().identityFrom(), stats));
                        }
                        MqttHandler.initPipeline(ch.pipeline(), context);
                    }
                });
    }

    /** The plain listener's bound port (useful with port 0), or -1 when it is turned off. */
    public int port() {
        Channel s = server;
        return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
    }

    /** The TLS listener's bound port, or -1 when there is none. */
    public int tlsPort() {
        Channel s = tlsServer;
        return s == null ? -1 : ((InetSocketAddress) s.localAddress()).getPort();
    }

    /** The TLS listener's context (reloadable), or null when there is none. */
    public ServerTls tls() {
        return listeners.tls();
    }

    /**
     * Reports the fate of each copy of a downlink message to {@code receipts} (docs/DELIVERY.md, "Downlink
     * receipts"). Call before {@link #start}; does nothing when delivery is off.
     */
    public void useReceipts(io.sluice.delivery.Receipts receipts) {
        if (broker != null) {
            broker.useReceipts(receipts);
        }
    }

    /**
     * The publish path for messages that come from no connection (the Kafka downlink): as a PUBLISH accepted on this
     * node, without a readings record. Null when delivery is off. Use it only after {@link #start}.
     */
    public io.sluice.delivery.Publisher publisher() {
        if (broker == null) {
            return null;
        }
        java.util.concurrent.CompletionStage<io.sluice.ingest.Delivery> none =
                java.util.concurrent.CompletableFuture.completedFuture(io.sluice.ingest.Delivery.DELIVERED);
        return message -> broker.publish(() -> none, message);
    }

    public MqttStats stats() {
        return stats;
    }

    /** Persistent sessions known to this node. */
    public SessionRegistry sessions() {
        return sessions;
    }

    /**
     * Sessions known to this node, persistent ones and connected clients, sorted by client id, at most
     * {@code limit}.
     */
    public java.util.List<SessionInfo> sessionInfos(int limit) {
        java.util.Map<String, io.sluice.mqtt.internal.SessionState> stored = sessions.sessions();
        java.util.Set<String> live = sessions.liveClientIds();
        java.util.TreeSet<String> ids = new java.util.TreeSet<>(stored.keySet());
        ids.addAll(live);
        return ids.stream().limit(limit).map(id -> info(id, stored.get(id), live.contains(id))).toList();
    }

    /** One session, or null when this node knows none under that id. */
    public SessionInfo sessionInfo(String clientId) {
        io.sluice.mqtt.internal.SessionState s = sessions.sessions().get(clientId);
        boolean connected = sessions.liveClientIds().contains(clientId);
        return s == null && !connected ? null : info(clientId, s, connected);
    }

    private volatile io.sluice.mqtt.FleetView fleetView;
    private volatile long fleetViewAtNanos;

    /**
     * The fleet as this node sees it in the sessions topic ({@link FleetView}); computed at most once a second (it
     * walks every known session), so status calls and scrapes close together share one. Any thread.
     */
    public FleetView fleet() {
        FleetView v = fleetView;
        long now = System.nanoTime();
        if (v == null || now - fleetViewAtNanos > 1_000_000_000L) {
            v = sessions.fleetView();
            fleetView = v;
            fleetViewAtNanos = now;
        }
        return v;
    }

    /** Closes a client's connection (MQTT 5: DISCONNECT 0x98); false when it is not connected here. */
    public boolean kick(String clientId) {
        return sessions.kick(clientId);
    }

    private SessionInfo info(String id, io.sluice.mqtt.internal.SessionState s, boolean connected) {
        Broker.QueueView q = broker == null ? null : broker.view(id);
        int queued = q == null ? 0 : q.queued();
        int inflight = q == null ? 0 : q.inflight();
        long dropped = q == null ? 0 : q.dropped();
        if (s == null) {
            return new SessionInfo(id, "", false, connected, 0, 0, java.util.List.of(), queued, inflight, dropped,
                    connected ? sessions.nodeId() : "");
        }
        return new SessionInfo(id, s.protocolLevel() == 5 ? "5" : "3.1.1", true, connected, s.expirySeconds(),
                connected ? 0 : s.disconnectedAtMillis(), java.util.List.copyOf(s.subscriptions().keySet()), queued,
                inflight, dropped, connected ? sessions.nodeId() : s.node());
    }

    /** Closes the listener; new connections are refused and CONNECTs still arriving get "server unavailable". */
    public void stopAccepting() {
        context.accepting().set(false);
        for (Channel s : new Channel[] {server, tlsServer}) {
            if (s != null) {
                s.close().syncUninterruptibly();
            }
        }
    }

    /**
     * Drain: closes the listener as {@link #stopAccepting} does and stops reading from every open connection, so no
     * new message is read and the count of {@link #outstanding} messages falls to zero as Kafka answers (their
     * PUBACKs still go out). Connections stay open, unread, until {@link #close}; time not read does not count
     * against their keep alive. Any thread but an event loop of this listener: returns once every connection's event
     * loop has stopped reading it (at most a few seconds), so nothing sent after this returns is read.
     */
    public void drain() {
        stopAccepting();
        java.util.List<io.netty.util.concurrent.Future<?>> stopped = new java.util.ArrayList<>();
        for (Channel ch : channels) {
            MqttHandler handler = ch.pipeline().get(MqttHandler.class);
            if (handler != null) {
                stopped.add(handler.stopReading(ch));
            } else {
                stopped.add(ch.eventLoop().submit(() -> ch.config().setAutoRead(false)));
            }
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        for (io.netty.util.concurrent.Future<?> f : stopped) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /**
     * After a {@link #drain}: ends every connection still open, at most {@code ratePerSecond} a second (0: at once),
     * in the background ({@link DrainDisconnects}); a second call returns the first's progress. The listener keeps
     * running (sessions can still be handed over to the nodes the clients reconnect to) until {@link #close}.
     */
    public synchronized DrainDisconnects endConnections(int ratePerSecond) {
        if (ending == null) {
            ending = DrainDisconnects.start(java.util.List.copyOf(channels), ratePerSecond);
        }
        return ending;
    }

    /** The ending of connections a drain started, or null when none was. */
    public DrainDisconnects ending() {
        return ending;
    }

    /**
     * Waits until every message handed to ingest has an outcome (and so its PUBACK, if any, was written).
     * Blocking; returns false when {@code timeout} passes first.
     */
    public boolean awaitInflight(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (context.outstanding().get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10); // polling a counter at shutdown; nothing else to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        // let the event loops write the PUBACKs re-dispatched to them before the channels close
        if (workers != null) {
            workers.forEach(loop -> loop.submit(() -> { }).syncUninterruptibly());
        }
        return true;
    }

    /** Messages handed to ingest without an outcome yet. */
    public long outstanding() {
        return context.outstanding().get();
    }

    @Override
    public synchronized void close() {
        stopAccepting();
        DrainDisconnects d = ending;
        if (d != null) {
            d.stop(); // what it has not ended yet is ended below, at once
        }
        // MQTT 5 clients are told why (DISCONNECT 0x9C with a server reference, or 0x8B), so they reconnect at once,
        // to another node if there is one
        java.util.List<io.netty.util.concurrent.Future<?>> told = new java.util.ArrayList<>();
        for (Channel ch : channels) {
            MqttHandler handler = ch.pipeline().get(MqttHandler.class);
            if (handler != null) {
                told.add(handler.shuttingDown(ch));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (io.netty.util.concurrent.Future<?> f : told) {
            f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (listeners.tls() != null) {
            listeners.tls().close();
        }
        if (broker != null) {
            // sessions that moved away a moment ago (a drain, or this stop) still get what lagging nodes send here
            broker.awaitForwarding(2 * broker.limits().handoverTimeoutMs());
            // the connections are closed: what their QoS 2 copies stand at is final for this run
            broker.recordAtShutdown(sessions.limits().storeTimeoutMs());
            broker.awaitReceipts(sessions.limits().storeTimeoutMs()); // so their positions are stored finished
            broker.log().close();
        }
    }
}
