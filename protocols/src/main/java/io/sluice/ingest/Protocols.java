package io.sluice.ingest;

/** Protocol names carried in the {@code sluice.protocol} header of every log record. */
public final class Protocols {
    public static final String MQTT = "mqtt";
    public static final String MQTT_SN = "mqtt-sn";
    public static final String LINE_UDP = "line-udp";

    private Protocols() {
    }
}
