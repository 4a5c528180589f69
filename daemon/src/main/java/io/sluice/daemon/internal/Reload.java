package io.sluice.daemon.internal;

import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.SluiceDaemon;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP (systemd ExecReload): reloads the node's watched files (certificates, password and ACL files; see
 * {@link io.sluice.security.FileWatch}), re-reads the config file, applies what can change safely while running (log
 * level and format; ingest.max_inflight_bytes; the fanout section, by restarting the fan-out members: mapping rules, batch bounds, TSDB) and
 * names every other changed section, which needs a restart. An invalid file changes nothing.
 * Not thread-safe: called from the signal-handling thread only.
 */
public final class Reload {
    private static final Logger LOG = LoggerFactory.getLogger(Reload.class);

    private final Path file;
    private SluiceConfig current;
    private volatile SluiceDaemon daemon;

    public Reload(Path file, SluiceConfig current) {
        this.file = file;
        this.current = current;
    }

    /** The running node, once started: a changed fanout section is then applied to its fan-out. */
    public void attach(SluiceDaemon running) {
        this.daemon = running;
    }

    /** Returns the changes that need a restart (empty when everything changed was applied). */
    public List<String> reload() {
        SluiceDaemon running = daemon;
        if (running != null && running.files() != null) {
            running.files().reloadAll(); // certificates, keys, password and ACL files; each logs its own outcome
        }
        SluiceConfig next;
        try {
            next = ConfigLoader.load(file);
        } catch (ConfigException e) {
            e.problems().forEach(p -> LOG.error("Reload refused: {}", p));
            LOG.error("Reload refused: {} has {} problem(s); the running configuration is unchanged", file,
                    e.problems().size());
            return List.of();
        }
        if (!next.log().equals(current.log())) {
            Logging.configure(next.log().level(), next.log().format());
            LOG.info("Reload applied: log.level {}, log.format {}", next.log().level(), next.log().format());
        }
        List<String> needRestart = new ArrayList<>();
        compare("node_id", current.nodeId(), next.nodeId(), needRestart);
        compare("mqtt", current.mqtt(), next.mqtt(), needRestart);
        compare("mqtt_tls", current.mqttTls(), next.mqttTls(), needRestart);
        compare("mqtt_sn", current.mqttSn(), next.mqttSn(), needRestart);
        compare("line_udp", current.lineUdp(), next.lineUdp(), needRestart);
        SluiceConfig.Ingest ingest = current.ingest();
        if (!current.ingest().equals(next.ingest())) {
            SluiceDaemon d = daemon;
            if (d != null && d.ingests() && next.ingest().maxInflightBytes() <= current.kafka().bufferMemoryBytes()
                    && next.ingest().udpMaxInflightPercent() == current.ingest().udpMaxInflightPercent()) {
                d.budget().resize(next.ingest().maxInflightBytes());
                ingest = next.ingest();
                LOG.info("Reload applied: ingest.max_inflight_bytes {}", next.ingest().maxInflightBytes());
            } else {
                needRestart.add("ingest");
            }
        }
        compare("kafka", current.kafka(), next.kafka(), needRestart);
        SluiceConfig.Fanout fanout = current.fanout();
        if (!Objects.equals(current.fanout(), next.fanout())) {
            if (applyFanout(next)) {
                fanout = next.fanout();
            } else {
                needRestart.add("fanout");
            }
        }
        compare("admin", current.admin(), next.admin(), needRestart);
        compare("shutdown", current.shutdown(), next.shutdown(), needRestart);
        // the password and ACL files themselves are reloaded whenever they change; which files, and the rest of
        // the auth section, are read at start-up
        compare("auth", current.auth(), next.auth(), needRestart);
        compare("delivery", current.delivery(), next.delivery(), needRestart);
        compare("downlink", current.downlink(), next.downlink(), needRestart);
        if (needRestart.isEmpty()) {
            LOG.info("Reload done: nothing else changed");
        } else {
            LOG.warn("Reload: changes in {} take effect only after a restart (systemctl restart sluice)", needRestart);
        }
        current = new SluiceConfig(current.nodeId(), current.mqtt(), current.mqttTls(), current.mqttSn(), current.lineUdp(),
                ingest, current.kafka(),
                fanout, current.admin(), current.shutdown(), next.log(), current.auth(), current.delivery(),
                current.downlink());
        return needRestart;
    }

    /**
     * Restarts the running fan-out with the new section when the fan-out stays on and reads the same log; false
     * when that does not apply or the new fan-out cannot start (the old one then keeps running).
     */
    private boolean applyFanout(SluiceConfig next) {
        SluiceDaemon d = daemon;
        if (d == null || d.fanout() == null || !next.fanout().enabled() && d.ingests()
                || !current.kafka().equals(next.kafka())) {
            return false;
        }
        try {
            d.restartFanout(next);
            LOG.info("Reload applied: fan-out restarted with the new fanout section ({} rule(s), {} worker(s))",
                    next.fanout().rules().size(), next.fanout().workers());
            return true;
        } catch (RuntimeException e) {
            LOG.error("Reload: the fan-out cannot start with the new fanout section ({}); the old one keeps running",
                    e.getMessage());
            return false;
        }
    }

    private static void compare(String section, Object before, Object after, List<String> changed) {
        if (!Objects.equals(before, after)) {
            changed.add(section);
        }
    }
}
