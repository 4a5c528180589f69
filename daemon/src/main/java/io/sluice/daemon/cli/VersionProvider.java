package io.sluice.daemon.cli;

import picocli.CommandLine;

/** Reads the version from the jar manifest (set by the build); "development" when run from classes. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    public static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"sluice " + version() + " (Java " + Runtime.version() + ")"};
    }
}
