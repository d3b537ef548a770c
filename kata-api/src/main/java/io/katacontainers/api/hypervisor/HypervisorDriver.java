package io.katacontainers.api.hypervisor;

/**
 * A hypervisor driver, found by {@link java.util.ServiceLoader}: the runtime picks the one whose {@link #name()}
 * matches the configuration's {@code [hypervisor.<name>]} section.
 */
public interface HypervisorDriver {
    /** The configuration section name: {@code qemu} or {@code builtin}. */
    String name();

    /** What this host offers the driver (binary, version, acceleration), for {@code env} and {@code check}. */
    HostSupport hostSupport(VmSpec spec);

    /** Prepares (does not boot) a VM; nothing is started until {@link Hypervisor#start}. */
    Hypervisor create(VmSpec spec) throws HypervisorException;
}
