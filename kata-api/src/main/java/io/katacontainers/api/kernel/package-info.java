/**
 * The guest kernel command line, as every hypervisor driver builds it:
 * {@link io.katacontainers.api.kernel.KernelCommandLine} joins the driver's parameters, the configured
 * {@code kernel_params} and the device parameters.
 */
package io.katacontainers.api.kernel;
