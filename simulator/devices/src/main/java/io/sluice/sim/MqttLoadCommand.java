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

    @Option(names = "--audit-bootstrap", description = "Kafka bootstrap servers to audit against")
    String auditBootstrap;

    @Option(names = "--audit-topic", defaultValue = "sluice.readings")
    String auditTopic;

    @Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws Exception {
        AckLedger ledger = new AckLedger();
        LoadReport report = new MqttLoad(load.spec(host, port), ledger).run(System.out);
        System.out.println(report.summary());
        if (auditBootstrap == null) {
            return 0;
        }
        LossAudit.Result audit = Auditor.audit(auditBootstrap, auditTopic, ledger, Duration.ofSeconds(60));
        System.out.println(audit);
        return audit.passed() ? 0 : 1;
    }
}
