package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device's interrupt line: the InterruptStatus register bits plus an eventfd that the VMM registers as KVM irqfd
 * for the device's GSI, so that signalling it injects the interrupt without a trip through user space.
 */
public final class VirtioInterrupt implements AutoCloseable {
    /** InterruptStatus bit 0: the device used buffers in a queue. */
    public static final int USED_BUFFER = 1;
    /** InterruptStatus bit 1: the configuration (or DEVICE_NEEDS_RESET) changed. */
    public static final int CONFIG_CHANGE = 2;

    private static final System.Logger LOG = System.getLogger(VirtioInterrupt.class.getName());

    private final Fd eventFd;
    private final AtomicInteger status = new AtomicInteger();

    private VirtioInterrupt(Fd eventFd) {
        this.eventFd = eventFd;
    }

    public static VirtioInterrupt create() throws SyscallException {
        return new VirtioInterrupt(EventFds.create());
    }

    /** The irqfd: register it with {@code KvmVm.registerIrqfd(eventFd, gsi)}. */
    public Fd eventFd() {
        return eventFd;
    }

    /** Tells the driver that buffers came back through a used ring. Safe from any thread. */
    public void signalUsedBuffer() {
        raise(USED_BUFFER);
    }

    /** Tells the driver to look at the configuration space and status. Safe from any thread. */
    public void signalConfigChange() {
        raise(CONFIG_CHANGE);
    }

    private void raise(int bit) {
        status.getAndUpdate(s -> s | bit);
        try {
            EventFds.signal(eventFd);
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "cannot signal the interrupt eventfd " + eventFd + "; the guest misses an interrupt",
                    e);
        }
    }

    /** The InterruptStatus register. */
    public int status() {
        return status.get();
    }

    /** InterruptACK: the driver handled these bits. */
    void acknowledge(int bits) {
        status.getAndUpdate(s -> s & ~bits);
    }

    /** Sets the status bits a snapshot saved, without signalling (the irqchip's saved state holds the line). */
    void restoreStatus(int bits) {
        status.set(bits);
    }

    void clear() {
        status.set(0);
    }

    @Override
    public void close() throws SyscallException {
        eventFd.close();
    }
}
