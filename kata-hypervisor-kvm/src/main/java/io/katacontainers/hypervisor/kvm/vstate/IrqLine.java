package io.katacontainers.hypervisor.kvm.vstate;

import io.katacontainers.ffm.kvm.KvmVm;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.Interrupt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One guest interrupt line (a GSI of the in-kernel IOAPIC/PIC) driven through an irqfd: {@link #trigger()} writes
 * the eventfd and KVM injects an edge, without a VMM round trip or a lock. Closing unregisters and closes the eventfd.
 */
public final class IrqLine implements Interrupt, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IrqLine.class.getName());

    private final KvmVm vm;
    private final int gsi;
    private final Fd eventfd;
    private final MemorySegment one = Arena.ofAuto().allocateFrom(ValueLayout.JAVA_LONG, 1L);

    private IrqLine(KvmVm vm, int gsi, Fd eventfd) {
        this.vm = vm;
        this.gsi = gsi;
        this.eventfd = eventfd;
    }

    /** Registers an irqfd for {@code gsi} (e.g. 4 for COM1, 5.. for virtio-mmio devices). */
    public static IrqLine register(KvmVm vm, int gsi) throws SyscallException {
        Fd eventfd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        try {
            vm.registerIrqfd(eventfd, gsi);
            return new IrqLine(vm, gsi, eventfd);
        } catch (SyscallException | RuntimeException e) {
            try {
                eventfd.close();
            } catch (SyscallException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    public int gsi() {
        return gsi;
    }

    /** The eventfd itself, for a back end (vhost-user) that signals the interrupt directly. */
    public Fd eventfd() {
        return eventfd;
    }

    /** Raises the line. A full counter (EAGAIN) means an interrupt is already pending, which is as good. */
    @Override
    public void trigger() {
        try {
            Libc.write(eventfd.get(), one);
        } catch (SyscallException e) {
            LOG.log(System.Logger.Level.DEBUG, "irqfd write for GSI " + gsi + " failed", e);
        }
    }

    @Override
    public void close() throws SyscallException {
        try {
            vm.unregisterIrqfd(eventfd, gsi);
        } finally {
            eventfd.close();
        }
    }
}
