package io.sluice.sim.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The classpath of a child JVM, resolved by a runtime module's build (its provided dependencies, which never reach
 * this JVM's classpath) and recorded in a resource of that module.
 */
final class RecordedClasspath {
    private RecordedClasspath() {
    }

    /** The recorded classpath in {@code resource}, e.g. {@code /io/sluice/bench/kafka-tools.classpath}. */
    static String of(String resource, String module) {
        try (InputStream in = RecordedClasspath.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing: build " + module + " first");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The module's own classes (the jar or classes directory that holds {@code resource}) followed by its recorded
     * classpath: for a module whose main class runs in the child JVM.
     */
    static String withOwnClasses(String resource, String module) {
        String recorded = of(resource, module);
        URL url = RecordedClasspath.class.getResource(resource);
        try {
            Path root;
            if ("jar".equals(url.getProtocol())) {
                root = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
            } else {
                root = Path.of(url.toURI());
                for (int i = 0; i < resource.split("/").length - 1; i++) {
                    root = root.getParent(); // from .../classes/io/sluice/x.classpath up to .../classes
                }
            }
            return root + java.io.File.pathSeparator + recorded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate " + module + " from " + url, e);
        }
    }
}
