package io.katacontainers.runtime.config.env;

import java.nio.file.Path;

/** Gathers {@link HostInfo}; {@code kata-runtime env} takes one so that tests and kata-check can supply their own. */
@FunctionalInterface
public interface HostProbe {

    HostInfo probe();

    /** Reads the host below {@code root} ("/" for the real host): /proc, /etc/os-release, /dev. */
    static HostProbe of(Path root) {
        return new ProcHostProbe(root, Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"));
    }
}
