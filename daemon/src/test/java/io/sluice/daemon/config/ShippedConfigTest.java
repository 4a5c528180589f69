package io.sluice.daemon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shipped config and the reference docs are generated from {@link ConfigSchema}; these tests fail when either
 * drifts. Regenerate with {@code sluice config sample > conf/sluice.yaml} and
 * {@code sluice config reference > docs/CONFIG.md}.
 */
class ShippedConfigTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shippedDefaultConfig_isTheGeneratedSample_andValidates() throws IOException {
        Path shipped = ROOT.resolve("conf/sluice.yaml");
        assertEquals(ConfigDocs.sampleYaml(), Files.readString(shipped),
                "conf/sluice.yaml drifted from the schema: regenerate it with `sluice config sample`");
        SluiceConfig loaded = ConfigLoader.load(shipped);
        SluiceConfig defaults = ConfigLoader.fromYaml("");
        assertEquals(defaults.mqtt(), loaded.mqtt());
        assertEquals(defaults.kafka(), loaded.kafka());
    }

    @Test
    void configReference_isGeneratedFromTheSchema() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/CONFIG.md"));
        assertEquals(true, doc.contains(ConfigDocs.markdownReference()),
                "docs/CONFIG.md drifted from the schema: regenerate its table with `sluice config reference`");
    }
}
