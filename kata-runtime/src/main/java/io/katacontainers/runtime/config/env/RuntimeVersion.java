package io.katacontainers.runtime.config.env;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;

/**
 * The runtime's version for {@code [Runtime.Version]}.
 *
 * @param semver  e.g. {@code 0.1.0} or {@code 0.1.0-SNAPSHOT}
 * @param commit  the source commit, or {@value EnvReport#UNKNOWN}
 * @param ociSpec the OCI runtime-spec version implemented, or {@value EnvReport#UNKNOWN}
 */
public record RuntimeVersion(String semver, String commit, String ociSpec) {

    public RuntimeVersion {
        Objects.requireNonNull(semver, "semver");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(ociSpec, "ociSpec");
    }

    /** The OCI runtime-spec version this runtime implements. */
    public static final String OCI_SPEC_VERSION = "1.1.0";

    /** This build's version and commit, stamped into version.properties by the build. */
    public static RuntimeVersion current() {
        try (InputStream in = RuntimeVersion.class.getResourceAsStream(
                "/io/katacontainers/runtime/version.properties")) {
            Properties stamped = new Properties();
            if (in != null) {
                stamped.load(in);
            }
            return new RuntimeVersion(stamped.getProperty("version", EnvReport.UNKNOWN),
                    stamped.getProperty("commit", EnvReport.UNKNOWN), OCI_SPEC_VERSION);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build's version.properties", e);
        }
    }
}
