package io.katacontainers.hypervisor.kvm.seccomp;

import io.katacontainers.ffm.kvm.KvmIoctls;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.seccomp.Seccomp;
import io.katacontainers.ffm.seccomp.SeccompFilter;
import io.katacontainers.ffm.seccomp.Syscall;
import io.katacontainers.ffm.seccomp.SyscallRule;

import java.util.List;

/**
 * The seccomp filter of the built-in VMM's vCPU and device (event loop) threads. A guest that takes over one of
 * them through a VMM bug gets no more from the kernel than what serving it needs: no exec, no new processes, no
 * file creation or writes to files opened from now on, no sockets but unix ones, no signals to other processes, no
 * KVM ioctls beyond running the vCPU and raising interrupts, no ptrace, mounts, namespaces, BPF, modules or keys.
 *
 * <p>The list is what these threads use (the FFM calls of the vCPU loop and the devices; strace of a booted guest)
 * plus what any thread of a JVM may be made to do while running Java code: futex and sched_yield (locks,
 * safepoints), mmap/mprotect/madvise/munmap (TLAB refills, stack guards, code cache commits, malloc), reads of jars
 * and the runtime image while loading a class, clock and sleep calls, signal returns and masks, the thread's own
 * exit. No thread is created here ({@code clone}, {@code clone3} refused): a thread inherits its creator's filter,
 * so a carrier of the virtual-thread scheduler started from a filtered thread would carry the filter into work that
 * has nothing to do with the VM. Code on these threads hands such work to unfiltered threads (the VM's watcher).
 *
 * <p>Everything else fails with EPERM rather than killing the thread: SECCOMP_RET_KILL_THREAD would end a JVM
 * thread in the middle of whatever it holds (a lock, a safepoint handshake) without unwinding, and the shim would
 * hang with the VM half alive; a refused call instead surfaces as a {@code SyscallException} on that thread, which
 * ends the vCPU (a VM failure with a reason the shim reports) or fails the device request. The refusal is as final
 * as a kill for what the call would have done. Firecracker kills the process; with one shim per pod that would be
 * tolerable, but the JVM's own rare paths make an incomplete list a real risk, and EPERM keeps that risk a clean
 * VM stop.
 */
public final class VmmSeccomp {
    /** Open for writing, create or truncate: the bits openat's flags must not have. */
    static final int OPEN_WRITE_FLAGS = Libc.O_WRONLY | Libc.O_RDWR | Libc.O_CREAT | 01000;
    static final int FIONBIO = 0x5421;
    static final int FIONREAD = 0x541B;
    static final int PR_SET_NAME = 15;
    static final int PR_GET_NAME = 16;

    /** The ioctls these threads make: KVM_RUN, interrupts, and two harmless descriptor queries. */
    static final List<Integer> IOCTLS = List.of((int) KvmIoctls.KVM_RUN, (int) KvmIoctls.KVM_IRQ_LINE,
            (int) KvmIoctls.KVM_IRQ_LINE_STATUS, (int) KvmIoctls.KVM_SIGNAL_MSI, FIONBIO, FIONREAD);

    private VmmSeccomp() {
    }

    /**
     * The filter for a vCPU or device thread of the process {@code pid} (signals may go to its own threads only).
     */
    public static SeccompFilter filter(long pid) {
        SeccompFilter.Builder builder = SeccompFilter.refusingWith(SeccompFilter.errno(Errno.EPERM.number()));
        // descriptors: data in and out, the device loop, eventfds (irqfd/ioeventfd signals)
        builder.allow(Syscall.READ, Syscall.WRITE, Syscall.READV, Syscall.WRITEV, Syscall.PREAD64,
                Syscall.PWRITE64, Syscall.PREADV, Syscall.PWRITEV, Syscall.CLOSE, Syscall.LSEEK, Syscall.FSTAT,
                Syscall.NEWFSTATAT, Syscall.STATX, Syscall.FCNTL, Syscall.DUP, Syscall.DUP3, Syscall.FSYNC,
                Syscall.FDATASYNC, Syscall.FALLOCATE, Syscall.POLL, Syscall.PPOLL, Syscall.EPOLL_WAIT,
                Syscall.EPOLL_PWAIT, Syscall.EPOLL_CTL, Syscall.EPOLL_CREATE1, Syscall.EVENTFD2, Syscall.PIPE2);
        // unix sockets: hybrid vsock connections, vhost-user with SCM_RIGHTS
        builder.allow(Syscall.CONNECT, Syscall.ACCEPT, Syscall.ACCEPT4, Syscall.SENDTO, Syscall.RECVFROM,
                Syscall.SENDMSG, Syscall.RECVMSG, Syscall.SHUTDOWN, Syscall.GETSOCKNAME, Syscall.GETPEERNAME,
                Syscall.SETSOCKOPT, Syscall.GETSOCKOPT);
        builder.rule(Syscall.SOCKET, new SyscallRule.ArgIn(0, List.of(Sockets.AF_UNIX)))
                .rule(Syscall.IOCTL, new SyscallRule.ArgIn(1, IOCTLS))
                .rule(Syscall.OPENAT, new SyscallRule.ArgMaskClear(2, OPEN_WRITE_FLAGS));
        // the JVM: memory, locks, time, signals, the thread's own life
        builder.allow(Syscall.MMAP, Syscall.MUNMAP, Syscall.MPROTECT, Syscall.MADVISE, Syscall.MREMAP, Syscall.BRK,
                Syscall.FUTEX, Syscall.SCHED_YIELD, Syscall.SCHED_GETAFFINITY, Syscall.NANOSLEEP,
                Syscall.CLOCK_NANOSLEEP, Syscall.CLOCK_GETTIME, Syscall.CLOCK_GETRES, Syscall.GETTIMEOFDAY,
                Syscall.GETRUSAGE, Syscall.SYSINFO, Syscall.GETPID, Syscall.GETTID, Syscall.GETRANDOM,
                Syscall.MEMBARRIER, Syscall.RSEQ, Syscall.SET_ROBUST_LIST, Syscall.SIGALTSTACK, Syscall.RT_SIGRETURN,
                Syscall.RT_SIGPROCMASK, Syscall.RT_SIGACTION, Syscall.EXIT, Syscall.EXIT_GROUP);
        return builder.rule(Syscall.PRCTL, new SyscallRule.ArgIn(0, List.of(PR_SET_NAME, PR_GET_NAME,
                        Seccomp.PR_GET_SECCOMP)))
                .rule(Syscall.TGKILL, new SyscallRule.ArgIn(0, List.of((int) pid)))
                .build();
    }

    /** A {@link ThreadSetup} that installs {@link #filter} for this process on the thread that runs it. */
    public static ThreadSetup installer() {
        SeccompFilter filter = filter(ProcessHandle.current().pid());
        return () -> Seccomp.install(filter);
    }
}
