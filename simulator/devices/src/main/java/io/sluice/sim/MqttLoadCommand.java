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

    @Option(names = "--report", paramLabel = "FILE", description = "write the run as JSON (totals, latency, timeline)")
    java.nio.file.Path report;

    @Option(names = "--chart", paramLabel = "FILE", description = "write throughput and latency over time as a"
            + " self-contained HTML page")
    java.nio.file.Path chart;

    @Mixin
    LoadOptions load = new LoadOptions();

    @Override
    public Integer call() throws Exception {
        AckLedger ledger = new AckLedger();
        LoadSpec spec = load.spec(host, port);
        LoadReport result = new MqttLoad(spec, ledger).openLoop(load.rate).run(System.out);
        System.out.println(result.summary());
        LossAudit.Result audit = null;
        if (auditBootstrap != null) {
            audit = Auditor.audit(auditBootstrap, auditTopic, ledger, Duration.ofSeconds(60));
            System.out.println(audit);
        }
        if (report != null) {
            LoadReports.write(report, LoadReports.json(spec, result, audit));
            System.out.println("report: " + report);
        }
        if (chart != null) {
            LoadReports.write(chart, LoadReports.html(spec, result, "sluice-sim mqtt against " + host + ":" + port));
            System.out.println("chart: " + chart);
        }
        return audit == null || audit.passed() ? 0 : 1;
    }
}
