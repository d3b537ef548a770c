/** The host side: the {@code kata-runtime} CLI, configuration loading and {@code containerd-shim-kata-v2}. */
module io.katacontainers.runtime {
    requires io.katacontainers.api;
    requires io.katacontainers.check;
    requires info.picocli;
    requires java.logging;

    // picocli injects the commands' @Option fields reflectively.
    opens io.katacontainers.runtime.cli to info.picocli;
}
