package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secure by default: the auth section, and the listeners it leaves open or shut. */
class AuthConfigTest {
    @Test
    void defaults_listenOnLoopback_withAnonymousOff() {
        SluiceConfig c = ConfigLoader.fromYaml("node_id: n\n");
        assertEquals("127.0.0.1", c.mqtt().host());
        assertFalse(c.auth().allowAnonymous());
        assertEquals("", c.auth().passwordFile());
    }

    @Test
    void aNonLoopbackListener_withoutAuthentication_isNamed_withWhatToDo() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt:
                  host: 0.0.0.0
                """));
        assertTrue(e.getMessage().contains("mqtt.host: '0.0.0.0' is not a loopback address and no authentication"
                + " is configured"), e.getMessage());
        assertTrue(e.getMessage().contains("auth.password_file") && e.getMessage().contains("auth.allow_anonymous"));
        assertTrue(e.getMessage().contains(":2"), "names the line: " + e.getMessage());
        ConfigLoader.fromYaml("mqtt:\n  host: 0.0.0.0\nauth:\n  allow_anonymous: true\n");
        ConfigLoader.fromYaml("mqtt:\n  host: \"::1\"\n");
        ConfigLoader.fromYaml("mqtt:\n  host: localhost\n");
    }

    @Test
    void aPasswordFile_opensEveryAddress_andABrokenOneIsNamedWithItsLine(@TempDir Path dir) throws Exception {
        Path pw = Files.writeString(dir.resolve("passwd"), "# users\nalice:$7$101$0w9PRfZXvH1WLSVA$VDfEXcx9JHgntpyYH6"
                + "hpXolIl2XXt0NoKcFHGVk1qaSNNVHC4LUvSu4M8KkYi98ewVkTVco0D+4d+Krd8u4qOA==\n");
        SluiceConfig c = ConfigLoader.fromYaml("mqtt:\n  host: 0.0.0.0\nauth:\n  password_file: " + pw + "\n");
        assertEquals(pw.toString(), c.auth().passwordFile());
        Files.writeString(pw, "alice:plain\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.fromYaml("auth:\n  password_file: " + pw + "\n"));
        assertTrue(e.getMessage().contains(pw + ":1: user 'alice': not a password hash"), e.getMessage());
        Path acl = Files.writeString(dir.resolve("acl"), "topic read a\ntopik b\n");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("auth:\n  acl_file: " + acl + "\n"));
        assertTrue(e.getMessage().contains(acl + ":2: unknown line 'topik'"), e.getMessage());
    }

    @Test
    void udpListeners_carryNoCredentials_soOffLoopbackTheyNeedAllowedSources() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.fromYaml("""
                mqtt_sn:
                  enabled: true
                line_udp:
                  enabled: true
                """));
        assertTrue(e.getMessage().contains("mqtt_sn.host: '0.0.0.0': mqtt_sn datagrams carry no credentials"),
                e.getMessage());
        assertTrue(e.getMessage().contains("line_udp.allowed_sources"), e.getMessage());
        ConfigLoader.fromYaml("mqtt_sn:\n  enabled: true\n  allowed_sources: 10.0.0.0/8\n");
        ConfigLoader.fromYaml("mqtt_sn:\n  enabled: true\n  host: 127.0.0.1\n");
        ConfigLoader.fromYaml("mqtt_sn:\n  enabled: true\nauth:\n  allow_anonymous: true\n");
    }
}
