package io.katacontainers.runtime.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version block of {@code kata-runtime --version}, laid out like Kata's. */
public final class VersionInfo implements IVersionProvider {
    /** The OCI runtime-spec version the runtime implements. */
    static final String OCI_SPEC_VERSION = "1.1.0";

    /** The project version stamped into the jar at build time. */
    public static String version() {
        try (InputStream in = VersionInfo.class.getResourceAsStream("/io/katacontainers/runtime/version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the version resource", e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "kata-runtime  : " + version(),
            "   OCI specs: " + OCI_SPEC_VERSION,
            "   Java     : " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
