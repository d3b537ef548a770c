package io.katacontainers.runtime.config.env;

import java.util.Objects;
import java.util.Optional;

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

    /**
     * The version from the jar manifest's Implementation-Version (present when the build stamps it); commit and OCI
     * version are unknown until the build records them.
     */
    public static RuntimeVersion fromManifest(Class<?> anchor) {
        String version = Optional.ofNullable(anchor.getPackage().getImplementationVersion()).orElse(EnvReport.UNKNOWN);
        return new RuntimeVersion(version, EnvReport.UNKNOWN, EnvReport.UNKNOWN);
    }
}
