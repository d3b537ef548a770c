/**
 * The individual host checks (CPU flags and attributes, kernel modules and their parameters, {@code /dev/kvm} and
 * its ioctls, SMT on POWER, software hypervisors), chosen per architecture and vendor by
 * {@link io.katacontainers.check.host.ArchTable} and run against a host root.
 */
package io.katacontainers.check.host;
