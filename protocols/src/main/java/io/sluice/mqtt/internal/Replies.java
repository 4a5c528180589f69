package io.sluice.mqtt.internal;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;
import java.util.List;

/** Builds the packets Sluice sends, for MQTT 3.1.1 and 5. */
final class Replies {
    static final MqttMessage PINGRESP = new MqttMessage(
            new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));

    private Replies() {
    }

    static MqttMessage connAck(MqttConnectReturnCode code, boolean sessionPresent, MqttProperties props) {
        return MqttMessageBuilders.connAck().returnCode(code).sessionPresent(sessionPresent)
                .properties(props == null ? MqttProperties.NO_PROPERTIES : props).build();
    }

    /** A refusal in the caller's protocol level: the MQTT 3.1.1 code or the MQTT 5 reason code. */
    static MqttMessage refuse(int level, MqttConnectReturnCode v3, MqttConnectReturnCode v5) {
        return connAck(level == 5 ? v5 : v3, false, null);
    }

    static MqttMessage pubAck(int packetId, byte reasonCode, String reason) {
        MqttMessageBuilders.PubAckBuilder b = MqttMessageBuilders.pubAck().packetId(packetId).reasonCode(reasonCode);
        if (reason != null) {
            MqttProperties props = new MqttProperties();
            props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                    reason.length() > 200 ? reason.substring(0, 200) : reason));
            b.properties(props);
        }
        return b.build();
    }

    /** PUBREC (QoS 2, first answer): reason 0x00 accepts the message, 0x80 and above refuse it (MQTT 5 only). */
    static MqttMessage pubRec(int packetId, byte reasonCode, String reason) {
        return pubReply(MqttMessageType.PUBREC, packetId, reasonCode, reason);
    }

    /** PUBCOMP (QoS 2, last answer): 0x00, or MQTT 5's 0x92 when the packet id was not awaiting a PUBREL. */
    static MqttMessage pubComp(int packetId, byte reasonCode) {
        return pubReply(MqttMessageType.PUBCOMP, packetId, reasonCode, null);
    }

    private static MqttMessage pubReply(MqttMessageType type, int packetId, byte reasonCode, String reason) {
        MqttProperties props = MqttProperties.NO_PROPERTIES;
        if (reason != null) {
            props = new MqttProperties();
            props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                    reason.length() > 200 ? reason.substring(0, 200) : reason));
        }
        return new MqttMessage(new MqttFixedHeader(type, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader(packetId, reasonCode, props));
    }

    static MqttSubAckMessage subAck(int packetId, List<Integer> codes) {
        int[] c = codes.stream().mapToInt(Integer::intValue).toArray();
        return new MqttSubAckMessage(new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(c));
    }

    static MqttUnsubAckMessage unsubAck(int level, int packetId, List<Short> codes) {
        MqttFixedHeader header = new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0);
        MqttMessageIdAndPropertiesVariableHeader vh =
                new MqttMessageIdAndPropertiesVariableHeader(packetId, MqttProperties.NO_PROPERTIES);
        return level == 5
                ? new MqttUnsubAckMessage(header, vh, new MqttUnsubAckPayload(codes))
                : new MqttUnsubAckMessage(header, vh, null);
    }

    static MqttMessage disconnect(byte reasonCode) {
        return MqttMessageBuilders.disconnect().reasonCode(reasonCode).build();
    }

    /** An MQTT 5 DISCONNECT with a Reason String (allowed on DISCONNECT whatever Request Problem Information says). */
    static MqttMessage disconnect(byte reasonCode, String reason) {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.REASON_STRING.value(),
                reason.length() > 200 ? reason.substring(0, 200) : reason));
        return MqttMessageBuilders.disconnect().reasonCode(reasonCode).properties(props).build();
    }

    /** The MQTT 5 Server Reference property naming {@code reference}, the server a client should use instead. */
    static MqttProperties serverReference(String reference) {
        MqttProperties props = new MqttProperties();
        props.add(new MqttProperties.StringProperty(MqttProperties.MqttPropertyType.SERVER_REFERENCE.value(),
                reference));
        return props;
    }

    /** An MQTT 5 DISCONNECT 0x9C (use another server) naming {@code reference}. */
    static MqttMessage useAnotherServer(String reference) {
        return MqttMessageBuilders.disconnect().reasonCode(MqttReasonCodes.Disconnect.USE_ANOTHER_SERVER.byteValue())
                .properties(serverReference(reference)).build();
    }
}
