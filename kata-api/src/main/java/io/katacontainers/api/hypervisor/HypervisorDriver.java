package io.katacontainers.api.hypervisor;

import java.nio.file.Path;
import java.util.Optional;

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

    /**
     * Why this driver cannot make VM templates for {@code spec} (Kata's factory), or empty when it can. A driver
     * that returns empty implements {@link #createTemplate}, {@link Hypervisor#saveTemplate} and
     * {@link #createFromTemplate}; the runtime asks before each of them and boots cold, saying why once, otherwise.
     */
    default Optional<String> templateUnsupported(VmSpec spec) {
        return Optional.of("the " + name() + " driver does not implement VM templates");
    }

    /**
     * Prepares a VM that will become the template kept in {@code dir} (an empty directory the driver owns until the
     * VM is closed): started, its agent awaited, then {@link Hypervisor#pause paused} and
     * {@link Hypervisor#saveTemplate saved}. Its devices are the {@link Device.Vsock}s only; a shared filesystem
     * is given to each clone instead.
     *
     * @throws HypervisorException if the driver cannot make templates ({@link #templateUnsupported})
     */
    default Hypervisor createTemplate(VmSpec spec, Path dir) throws HypervisorException {
        throw new HypervisorException(templateUnsupported(spec).orElse("no template support"));
    }

    /**
     * Prepares (does not start) a VM that {@link Hypervisor#start starts} as a clone of the template in {@code dir}:
     * the template's memory copied, its device state restored, the VM running once start returns. The clone takes
     * the same {@link Device.Vsock}s as the template, plus any {@link Device.SharedFs}, which the driver attaches
     * after the restore (the guest finds it by its tag). The template is only read.
     *
     * @throws HypervisorException if the template in {@code dir} is missing, corrupt, or was made by another
     *                             build, kernel, initrd, VMM or VM size than {@code spec}: the message says which
     */
    default Hypervisor createFromTemplate(VmSpec spec, Path dir) throws HypervisorException {
        throw new HypervisorException(templateUnsupported(spec).orElse("no template support"));
    }
}
