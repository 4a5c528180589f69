package io.sluice.security;

import java.util.Objects;

/**
 * Who a client is, as this node established it, and how. Carried into each log record's metadata (docs/RECORDS.md)
 * so consumers know who wrote it.
 *
 * @param name   the authenticated identity: a user name, a certificate's CN or SAN entry; empty when anonymous
 * @param method how it was established
 */
public record Identity(String name, Method method) {
    /** How an identity was established; {@link #label()} is the value written to the log. */
    public enum Method {
        ANONYMOUS("anonymous"), PASSWORD("password"), CERTIFICATE("certificate");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static final Identity ANONYMOUS = new Identity("", Method.ANONYMOUS);

    public Identity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(method, "method");
        if (method == Method.ANONYMOUS != name.isEmpty()) {
            throw new IllegalArgumentException("an anonymous identity has no name, any other has one: " + method);
        }
    }

    public static Identity password(String user) {
        return new Identity(user, Method.PASSWORD);
    }

    public static Identity certificate(String name) {
        return new Identity(name, Method.CERTIFICATE);
    }

    public boolean anonymous() {
        return method == Method.ANONYMOUS;
    }
}
