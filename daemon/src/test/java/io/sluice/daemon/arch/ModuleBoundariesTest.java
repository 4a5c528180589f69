package io.sluice.daemon.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.sluice.ingest.Delivery;
import io.sluice.ingest.Envelope;
import io.sluice.ingest.Outcome;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data flows one way: protocols -> ingest -> sinks. These rules keep the modules honest (as Kafka's
 * import-control does): protocols never sees sinks or Kafka, sinks never sees Netty or protocols, and
 * kafka-clients is used from sinks only (anywhere in it: packages by capability).
 */
class ModuleBoundariesTest {
    /** The shipped modules; the simulator and test stack may use Kafka clients directly. */
    private static final String[] PRODUCTION = {
        "io.sluice.ingest..", "io.sluice.mqtt..", "io.sluice.udp..", "io.sluice.sinks..", "io.sluice.daemon.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // Sluice's own modules only, whether they arrive as class folders or as reactor/installed jars
                .withImportOption(location -> location.contains("/target/classes") || location.contains("/sluice-"))
                .importPackages("io.sluice");
    }

    @Test
    void protocols_neverDependOnSinksOrKafka() {
        noClasses().that().resideInAnyPackage("io.sluice.mqtt..", "io.sluice.ingest..", "io.sluice.udp..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sluice.sinks..", "org.apache.kafka..")
                .check(classes);
    }

    @Test
    void sinks_neverDependOnNettyOrProtocols() {
        // except the delivery interface protocols owns for sinks to implement, and the value types it names
        noClasses().that().resideInAPackage("io.sluice.sinks..")
                .should().dependOnClassesThat(resideInAnyPackage("io.netty..", "io.sluice.mqtt..", "io.sluice.udp..",
                        "io.sluice.ingest..", "io.sluice.daemon..")
                        .and(not(belongToAnyOf(Delivery.class, Outcome.class, Envelope.UserProperty.class))))
                .check(classes);
    }

    @Test
    void kafkaClients_areUsedFromSinksOnly() {
        noClasses().that().resideInAnyPackage(PRODUCTION)
                .and().resideOutsideOfPackage("io.sluice.sinks..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .check(classes);
    }

    @Test
    void nettyBuffers_neverLeaveProtocols() {
        noClasses().that().resideInAnyPackage("io.sluice.daemon..", "io.sluice.sinks..", "io.sluice.ingest..")
                .should().dependOnClassesThat().resideInAPackage("io.netty.buffer..")
                .check(classes);
    }
}
