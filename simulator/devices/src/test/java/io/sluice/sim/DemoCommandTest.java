package io.sluice.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

    @Test
    void demoDefaults_are200DevicesX100Qos1Messages_window8_mqtt5() {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs();
        LoadSpec spec = command.load.spec("127.0.0.1", 1883);
        assertEquals(200, spec.devices());
        assertEquals(100, spec.messagesPerDevice());
        assertEquals(8, spec.windowPerDevice());
        assertEquals(5, spec.mqttVersion());
        assertEquals(1, spec.qos());
    }

    @Test
    void loadOptions_overrideTheDemoDefaults_andTheMqttCommandKeepsItsOwn() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--devices", "20", "--messages", "20", "--mqtt-version", "3");
        LoadSpec spec = demo.load.spec("127.0.0.1", 1883);
        assertEquals(20, spec.devices());
        assertEquals(20, spec.messagesPerDevice());
        assertEquals(3, spec.mqttVersion());
        assertEquals(8, spec.windowPerDevice());

        MqttLoadCommand mqtt = new MqttLoadCommand();
        new CommandLine(mqtt).parseArgs();
        assertEquals(100, mqtt.load.devices);
        assertEquals(16, mqtt.load.publish.window);
    }

    @Test
    void help_showsTheDemoDefaults() {
        StringWriter help = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setOut(new PrintWriter(help));
        cmd.execute("--help");
        assertTrue(help.toString().contains("concurrent device connections (default 200)"), help.toString());
        assertTrue(help.toString().contains("awaiting PUBACK (default 8)"), help.toString());
    }
}
