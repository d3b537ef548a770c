/** Types shared by every module: the configuration model and the hypervisor driver SPI. */
module io.katacontainers.api {
    exports io.katacontainers.api.config;
    exports io.katacontainers.api.hypervisor;

    uses io.katacontainers.api.hypervisor.HypervisorDriver;
}
