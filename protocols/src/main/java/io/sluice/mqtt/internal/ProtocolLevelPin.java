package io.sluice.mqtt.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;

/**
 * Keeps the protocol level of a connection's first CONNECT for good. Netty's MQTT codec keeps the level per channel
 * and sets it from every CONNECT it decodes, so a second CONNECT (a protocol violation [MQTT-3.1.0-2], answered by
 * the connection) would make the decoder read, and the encoder write, everything after it in another level: an
 * MQTT 5 error PUBACK would go out as a 3.1.1 PUBACK, which reads as a success. Placed right after the decoder, so
 * the level is restored before the decoder reads the next packet and before any reply is encoded (flow control may
 * hold the CONNECT itself for a while). And on the way out ({@link #beforeEncoding}): a second CONNECT only partly
 * received has already set the codec's level while the decoder waits for the rest of it, and a reply written
 * meanwhile (the first CONNECT's CONNACK, after authentication) would be encoded in that level, so every write
 * restores the pinned level before it reaches the encoder.
 *
 * <p>Threading: the channel's event loop only.
 */
final class ProtocolLevelPin extends ChannelInboundHandlerAdapter {
    /** The key netty-codec-mqtt keeps the level under ({@code MqttCodecUtil}; SecondConnectTest fails if it moves). */
    private static final AttributeKey<MqttVersion> CODEC_LEVEL = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    private MqttVersion pinned;

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (msg instanceof MqttMessage m && m.fixedHeader() != null
                && m.fixedHeader().messageType() == MqttMessageType.CONNECT) {
            if (pinned == null) {
                if (m.decoderResult().isSuccess()) {
                    pinned = c.channel().attr(CODEC_LEVEL).get();
                }
            } else {
                c.channel().attr(CODEC_LEVEL).set(pinned);
            }
        }
        c.fireChannelRead(msg);
    }

    /** This pin's outbound side, to be placed after the encoder (so writes pass it before they are encoded). */
    ChannelOutboundHandler beforeEncoding() {
        return new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext c, Object msg, ChannelPromise promise) {
                if (pinned != null) {
                    c.channel().attr(CODEC_LEVEL).set(pinned);
                }
                c.write(msg, promise);
            }
        };
    }
}
