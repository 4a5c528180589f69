package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.tls.TestPki;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mqtt_tls section's checks: each problem names the key and its line, and the file where one is at fault. */
class TlsConfigCheckTest {
    @TempDir
    Path dir;

    @Test
    void validSection_loads_withItsDefaults() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        TestPki.server(ca, "server").write(dir, "server");
        TestPki.writeCert(dir.resolve("ca.crt"), ca.cert);
        SluiceConfig c = ConfigLoader.fromYaml(section("""
                  client_auth: required
                  ca_file: %s/ca.crt
                """.formatted(dir)));
        assertTrue(c.mqttTls().enabled());
        assertEquals(8883, c.mqttTls().port());
        assertEquals(java.util.List.of("TLSv1.3", "TLSv1.2"), c.mqttTls().protocols());
        assertTrue(c.mqtt().enabled(), "the plain listener stays on unless turned off");
        assertEquals(100, c.mqtt().connectionRatePerSource());
    }

    @Test
    void missingFile_requiredWithoutCa_andBadProtocol_areEachNamedWithTheirLines() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        TestPki.server(ca, "server").write(dir, "server");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt_tls:
                  enabled: true
                  cert_file: %s/server.crt
                  key_file: %s/absent.key
                  client_auth: required
                  protocols: TLSv1.3,TLSv1
                """.formatted(dir, dir)));
        String all = String.join("\n", e.problems());
        assertTrue(all.contains("<inline>:4: mqtt_tls.key_file: '" + dir + "/absent.key' does not exist"), all);
        assertTrue(all.contains("mqtt_tls.ca_file must name the CA bundle when mqtt_tls.client_auth is required"
                + " (<inline>:5)"), all);
        assertTrue(all.contains("<inline>:6: mqtt_tls.protocols: 'TLSv1' is not one of"), all);
    }

    @Test
    void keyNotMatchingTheCertificate_isNamed_withTheKeyFileLine() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        TestPki.server(ca, "server").write(dir, "server");
        TestPki.server(ca, "other").write(dir, "other");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt_tls:
                  enabled: true
                  cert_file: %s/server.crt
                  key_file: %s/other.key
                  host: 127.0.0.1
                """.formatted(dir, dir)));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("<inline>:4: mqtt_tls.key_file: " + dir + "/other.key: the key does"
                + " not belong to the certificate"), e.getMessage());
    }

    @Test
    void cipherListOnlyTheJdkSupports_isCheckedAgainstTheProviderThatWillRunIt() throws Exception {
        TestPki.Ca ca = TestPki.ca("ca");
        TestPki.server(ca, "server").write(dir, "server");
        String dheOnly = "  protocols: TLSv1.2\n  ciphers: TLS_DHE_RSA_WITH_AES_128_GCM_SHA256\n  host: 127.0.0.1\n";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml(section(dheOnly)));
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).startsWith("<inline>:6: mqtt_tls.ciphers: none of"
                + " [TLS_DHE_RSA_WITH_AES_128_GCM_SHA256] is supported by the openssl provider"), e.getMessage());
        SluiceConfig jdk = ConfigLoader.fromYaml(section(dheOnly + "  provider: jdk\n"));
        assertEquals("jdk", jdk.mqttTls().provider());
    }

    @Test
    void bothListenersOff_isRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("mqtt:\n  enabled: false\n"));
        assertTrue(e.getMessage().contains("<inline>:2: mqtt.enabled is false and mqtt_tls.enabled is false"),
                e.getMessage());
    }

    private String section(String extra) {
        return """
                mqtt_tls:
                  enabled: true
                  cert_file: %s/server.crt
                  key_file: %s/server.key
                """.formatted(dir, dir) + extra;
    }
}
