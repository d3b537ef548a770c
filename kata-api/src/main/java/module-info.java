/**
 * Types shared by every module: the configuration model, the host-guest contract, the hypervisor driver SPI, the
 * guest kernel command line, and the host processes (child processes tied to this JVM, virtiofsd) that drivers run next to their VMs.
 */
module io.katacontainers.api {
    requires transitive io.prometheus.metrics.model;
    requires io.prometheus.writer.text;

    exports io.katacontainers.api.config;
    exports io.katacontainers.api.guest;
    exports io.katacontainers.api.hypervisor;
    exports io.katacontainers.api.kernel;
    exports io.katacontainers.api.metrics;
    exports io.katacontainers.api.process;
    exports io.katacontainers.api.virtiofs;

    uses io.katacontainers.api.hypervisor.HypervisorDriver;
}
