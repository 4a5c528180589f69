package io.sluice.sim;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sluice-sim churn}: persistent-session devices connect, publish, disconnect and come back, against any
 * Sluice deployment; with {@code --audit-bootstrap} the readings topic is then audited against what was acknowledged.
 * Exit 0 when every session-present flag was right, nothing failed and (if asked) the audit passed.
 */
@Command(name = "churn", mixinStandardHelpOptions = true,
        description = "Devices with persistent sessions connect, publish, disconnect and come back with their"
                + " session; checks the session-present flags and optionally audits Kafka.")
final class ChurnCommand implements Callable<Integer> {
    @Option(names = "--host", description = "MQTT host (default ${DEFAULT-VALUE})")
    String host = "127.0.0.1";
    @Option(names = "--port", description = "MQTT port (default ${DEFAULT-VALUE})")
    int port = 1883;
    @Option(names = "--devices", description = "device identities (default ${DEFAULT-VALUE})")
    int devices = 1000;
    @Option(names = "--cycles", description = "connect-publish-disconnect cycles per device (default ${DEFAULT-VALUE})")
    int cycles = 3;
    @Option(names = "--messages", description = "QoS 1 readings per connection (default ${DEFAULT-VALUE})")
    int messages = 5;
    @Option(names = "--mqtt-version", description = "3 or 5 (default ${DEFAULT-VALUE})")
    int mqttVersion = 5;
    @Option(names = "--concurrency", description = "devices connected at once (default ${DEFAULT-VALUE})")
    int concurrency = 200;
    @Option(names = "--device-prefix", description = "client id prefix; fresh per run (default: churn-<time>-)")
    String prefix = "churn-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    @Mixin
    AuditOptions audit = new AuditOptions();

    @Override
    public Integer call() throws Exception {
        AckLedger ledger = new AckLedger();
        ChurnLoad.ChurnReport r = new ChurnLoad(new ChurnLoad.ChurnSpec(host, port, devices, cycles, messages,
                mqttVersion, concurrency, prefix), ledger).run();
        System.out.println(r.summary());
        boolean ok = r.sessionMismatches() == 0 && r.failed() == 0;
        LossAudit.Result checked = audit.audit(ledger, Duration.ofSeconds(300));
        if (checked != null) {
            System.out.println(checked);
            ok &= checked.passed();
        }
        return ok ? 0 : 1;
    }
}
