package io.sluice.sim;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sluice-sim}: simulated devices, the loss audit, and the local demo stack. */
@Command(name = "sluice-sim", mixinStandardHelpOptions = true,
        description = "Drives simulated MQTT devices at a Sluice endpoint and audits the Kafka log for loss.",
        subcommands = {MqttLoadCommand.class, StackCommand.class, FleetCommand.class, DemoCommand.class, ChurnCommand.class, io.sluice.sim.bench.Qos1BenchCommand.class,
                io.sluice.sim.bench.IdleConnectionsBenchCommand.class, io.sluice.sim.bench.AuthConnectBenchCommand.class, io.sluice.sim.bench.MqttSnStateBenchCommand.class, io.sluice.sim.bench.DeliveryStateBenchCommand.class, io.sluice.sim.bench.DeliveryBenchCommand.class, io.sluice.sim.bench.FanoutBenchCommand.class, io.sluice.sim.bench.UdpBenchCommand.class, io.sluice.sim.bench.OfflineSessionsBenchCommand.class, io.sluice.sim.bench.MosquittoSessionsBenchCommand.class, io.sluice.sim.bench.NetFuzzCommand.class, io.sluice.sim.bench.ChaosCommand.class, io.sluice.sim.bench.FleetBenchCommand.class,
                CommandLine.HelpCommand.class})
public final class SimCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimCommand()).execute(args));
    }
}
