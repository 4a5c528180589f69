package io.sluice.mqtt.internal;

import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.sluice.auth.Authenticator;
import io.sluice.security.CertificateIdentity;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication step of a CONNECT: asks the {@link Authenticator} (a password check runs on its pool, off the
 * event loop) and continues on the channel's event loop, at once when the answer needed no computation; turns a
 * refusal into the CONNACK the spec gives for it. Stateless; runs on the event loop.
 */
final class ConnectAuth {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectAuth.class);

    private ConnectAuth() {
    }

    static void authenticate(Channel channel, Context ctx, String userName, byte[] password, String clientId,
                             BiConsumer<Authenticator.Decision, Throwable> then) {
        boolean loopback = channel.localAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
        CompletableFuture<Authenticator.Decision> f = ctx.auth().authenticate(CertificateIdentity.of(channel),
                userName, password, clientId, loopback).toCompletableFuture();
        if (f.isDone()) {
            f.whenComplete(then);
            return;
        }
        f.whenComplete((d, err) -> {
            try {
                channel.eventLoop().execute(() -> then.accept(d, err));
            } catch (RejectedExecutionException e) {
                // the event loop is shutting down: the connection is closed anyway
            }
        });
    }

    /** True when the client may go on; otherwise it has been refused (CONNACK, counted, logged). */
    static boolean accepted(Connection c, Authenticator.Decision d, Throwable error) {
        if (error != null) {
            LOG.warn("Password check of '{}' failed: {}", c.clientId(), error.toString());
            c.refuse("password_check_failed", MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_UNSPECIFIED_ERROR);
            return false;
        }
        if (d.accepted()) {
            return true;
        }
        switch (d.refusal()) {
            case BAD_CREDENTIALS -> c.refuse(d.refusal().event(),
                    MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD,
                    MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD);
            case NOT_AUTHORIZED -> c.refuse(d.refusal().event(), MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5);
            case CLIENT_ID_NOT_IDENTITY -> c.refuse(d.refusal().event(),
                    MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID);
            case BUSY -> c.refuse(d.refusal().event(), MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE,
                    MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_BUSY);
        }
        return false;
    }
}
