/** The host side: the {@code kata-runtime} CLI, configuration loading and {@code containerd-shim-kata-v2}. */
module io.katacontainers.runtime {
    requires io.katacontainers.api;
    requires io.katacontainers.agent.proto;
    requires io.katacontainers.check;
    requires io.katacontainers.ffm;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires java.logging;
    // Metrics: the shim's RPC histogram, kata-monitor's own families (Prometheus' Java client).
    requires io.prometheus.metrics.core;
    // sun.misc.Signal: kata-runtime run forwards signals to the container.
    requires jdk.unsupported;
    requires org.tomlj;

    // picocli injects the commands' @Option fields reflectively.
    opens io.katacontainers.runtime.cli to info.picocli;
    opens io.katacontainers.runtime.monitor to info.picocli;
    // Jackson writes and reads the persisted container state (a record).
    opens io.katacontainers.runtime.persist to com.fasterxml.jackson.databind;

    uses io.katacontainers.api.hypervisor.HypervisorDriver;
}
