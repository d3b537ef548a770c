package io.katacontainers.runtime.cli;

import io.katacontainers.runtime.config.env.RuntimeVersion;
import picocli.CommandLine.IVersionProvider;

/** The version block of {@code kata-runtime --version}, laid out like Kata's. */
final class VersionInfo implements IVersionProvider {
    @Override
    public String[] getVersion() {
        RuntimeVersion version = RuntimeVersion.current();
        return new String[] {
            "kata-runtime  : " + version.semver(),
            "   commit   : " + version.commit(),
            "   OCI specs: " + version.ociSpec(),
            "   Java     : " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")",
            // runc's layout, which dockerd and podman parse (runtime name and version, commit, spec).
            "kata-runtime version " + version.semver(),
            "commit: " + version.commit(),
            "spec: " + version.ociSpec()};
    }
}
