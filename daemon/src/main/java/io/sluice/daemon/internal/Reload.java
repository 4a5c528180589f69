package io.sluice.daemon.internal;

import io.sluice.daemon.config.ConfigException;
import io.sluice.daemon.config.ConfigLoader;
import io.sluice.daemon.config.SluiceConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP (systemd ExecReload): re-reads the config file, applies what can change safely while running (log
 * level and format) and names every other changed section, which needs a restart. An invalid file changes nothing.
 * Not thread-safe: called from the signal-handling thread only.
 */
public final class Reload {
    private static final Logger LOG = LoggerFactory.getLogger(Reload.class);

    private final Path file;
    private SluiceConfig current;

    public Reload(Path file, SluiceConfig current) {
        this.file = file;
        this.current = current;
    }

    /** Returns the changes that need a restart (empty when everything changed was applied). */
    public List<String> reload() {
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
        compare("mqtt_sn", current.mqttSn(), next.mqttSn(), needRestart);
        compare("line_udp", current.lineUdp(), next.lineUdp(), needRestart);
        compare("ingest", current.ingest(), next.ingest(), needRestart);
        compare("kafka", current.kafka(), next.kafka(), needRestart);
        compare("fanout", current.fanout(), next.fanout(), needRestart);
        compare("admin", current.admin(), next.admin(), needRestart);
        compare("shutdown", current.shutdown(), next.shutdown(), needRestart);
        if (needRestart.isEmpty()) {
            LOG.info("Reload done: nothing else changed");
        } else {
            LOG.warn("Reload: changes in {} take effect only after a restart (systemctl restart sluice)", needRestart);
        }
        current = new SluiceConfig(current.nodeId(), current.mqtt(), current.mqttSn(), current.lineUdp(),
                current.ingest(), current.kafka(),
                current.fanout(), current.admin(), current.shutdown(), next.log());
        return needRestart;
    }

    private static void compare(String section, Object before, Object after, List<String> changed) {
        if (!Objects.equals(before, after)) {
            changed.add(section);
        }
    }
}
