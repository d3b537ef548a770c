package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Signalling and draining the eventfds that carry queue notifications and interrupts. */
public final class EventFds {
    private EventFds() {
    }

    /** A non-blocking close-on-exec eventfd, as KVM's irqfd and ioeventfd take. */
    public static Fd create() throws SyscallException {
        return Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
    }

    /** Adds 1 to the counter, waking whoever waits on it. */
    public static void signal(Fd eventFd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(eventFd.get(), arena.allocateFrom(ValueLayout.JAVA_LONG, 1L));
        }
    }

    /** Resets the counter; returns how many signals it held (0 if none). */
    public static long drain(Fd eventFd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);
            Libc.read(eventFd.get(), counter);
            return counter.get(ValueLayout.JAVA_LONG, 0);
        } catch (SyscallException e) {
            if (e.is(Errno.EAGAIN)) {
                return 0;
            }
            throw e;
        }
    }
}
