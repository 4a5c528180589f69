package io.sluice.sim;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Drives devices at an existing Sluice (or any MQTT server) and optionally audits the Kafka topic. */
@Command(name = "mqtt", description = "Publish from simulated MQTT devices; with --audit-bootstrap, prove every"
        + " acknowledged message is in the Kafka topic. Exit 1 when the audit fails.")
final class MqttLoadCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", defaultValue = "1883")
    int port;

    @Mixin
    AuditOptions audit = new AuditOptions();

    @Mixin
    ReportOptions reports = new ReportOptions();

    @Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws Exception {
        AckLedger ledger = new AckLedger();
        LoadSpec spec = load.spec(host, port);
        LoadReport result = new MqttLoad(spec, ledger).openLoop(load.rate).run(System.out);
        System.out.println(result.summary());
        LossAudit.Result checked = audit.audit(ledger, Duration.ofSeconds(60));
        if (checked != null) {
            System.out.println(checked);
        }
        reports.write(spec, result, checked, "", "sluice-sim mqtt against " + host + ":" + port, System.out);
        return checked == null || checked.passed() ? 0 : 1;
    }
}
