package io.sluice.sinks;

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
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of CONVENTIONS.md, enforced: data flows protocols -> ingest -> sinks, one way, and
 * kafka-clients stays behind the public records of sinks. Plain JUnit tests calling {@code check}, so they run under any engine setup.
 */
class ArchitectureTest {
    private static final JavaClasses SINKS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sluice.sinks");

    @Test
    void sinks_neverUseNetty() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.netty..").check(SINKS);
    }

    @Test
    void sinks_neverUseProtocolsOrTheDaemon() {
        // the one way in: the delivery interface protocols owns, and the value types it names
        noClasses().should().dependOnClassesThat(resideInAnyPackage("io.sluice.protocols..", "io.sluice.ingest..",
                        "io.sluice.daemon..", "io.sluice.mqtt..", "io.sluice.udp..", "io.sluice.auth..",
                        "io.sluice.tls..", "io.sluice.security..", "io.sluice.notify..")
                        .and(not(belongToAnyOf(Delivery.class, Outcome.class, Envelope.UserProperty.class))))
                .check(SINKS);
    }

    @Test
    void onlyTheDeliveryAndDownlinkPackages_touchTheDeliveryInterface() {
        // the delivery log implements it; the downlink publishes through it
        noClasses().that().resideOutsideOfPackages("io.sluice.sinks.delivery..", "io.sluice.sinks.downlink..")
                .should().dependOnClassesThat().resideInAnyPackage("io.sluice.delivery..", "io.sluice.ingest..")
                .check(SINKS);
    }

    @Test
    void kafkaClients_stayBehindThePublicApi() {
        // kafka-clients may be used anywhere in sinks (packages by capability), never in its public records
        noClasses().that().resideInAPackage("io.sluice.sinks")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..")
                .check(SINKS);
    }

    @Test
    void publicApi_dependsOnNothingBehindIt() {
        noClasses().that().resideInAPackage("io.sluice.sinks")
                .should().dependOnClassesThat()
                .resideInAnyPackage("io.sluice.sinks.kafka..", "io.sluice.sinks.internal..")
                .check(SINKS);
    }

    @Test
    void theRulesSeeTheModule() {
        // an import that found nothing would make every rule above pass vacuously
        if (!SINKS.contain("io.sluice.sinks.kafka.KafkaLog")) {
            throw new AssertionError("ArchUnit imported no sinks classes: " + SINKS.size());
        }
    }
}
