package io.katacontainers.ffm.seccomp;

/**
 * x86_64 system call numbers ({@code asm/unistd_64.h}; a test compares them with the header), those a filter of
 * ours names. The enum name is the kernel's name in upper case.
 */
public enum Syscall {
    READ(0), WRITE(1), OPEN(2), CLOSE(3), STAT(4), FSTAT(5), LSTAT(6), POLL(7), LSEEK(8), MMAP(9), MPROTECT(10),
    MUNMAP(11), BRK(12), RT_SIGACTION(13), RT_SIGPROCMASK(14), RT_SIGRETURN(15), IOCTL(16), PREAD64(17),
    PWRITE64(18), READV(19), WRITEV(20), ACCESS(21), SCHED_YIELD(24), MREMAP(25), MADVISE(28), DUP(32), DUP2(33),
    NANOSLEEP(35), GETPID(39), SOCKET(41), CONNECT(42), ACCEPT(43), SENDTO(44), RECVFROM(45), SENDMSG(46),
    RECVMSG(47), SHUTDOWN(48), BIND(49), LISTEN(50), GETSOCKNAME(51), GETPEERNAME(52), SOCKETPAIR(53),
    SETSOCKOPT(54), GETSOCKOPT(55), CLONE(56), FORK(57), VFORK(58), EXECVE(59), EXIT(60), KILL(62), UNAME(63),
    FCNTL(72), FSYNC(74), FDATASYNC(75), FTRUNCATE(77), UNLINK(87), GETTIMEOFDAY(96), GETRUSAGE(98), SYSINFO(99),
    PTRACE(101), GETUID(102), SIGALTSTACK(131), PRCTL(157), MOUNT(165), GETTID(186), TKILL(200), FUTEX(202),
    SCHED_GETAFFINITY(204), CLOCK_GETTIME(228), CLOCK_GETRES(229), CLOCK_NANOSLEEP(230), EXIT_GROUP(231),
    EPOLL_WAIT(232), EPOLL_CTL(233), TGKILL(234), OPENAT(257), NEWFSTATAT(262), UNLINKAT(263), PPOLL(271),
    SET_ROBUST_LIST(273), EPOLL_PWAIT(281), FALLOCATE(285), ACCEPT4(288), EVENTFD2(290), EPOLL_CREATE1(291),
    DUP3(292), PIPE2(293), PREADV(295), PWRITEV(296), PROCESS_VM_READV(310), PROCESS_VM_WRITEV(311),
    GETRANDOM(318), MEMFD_CREATE(319), EXECVEAT(322), MEMBARRIER(324), STATX(332), RSEQ(334), CLONE3(435);

    /** {@code __NR_seccomp}: glibc has no wrapper, so {@link Seccomp} calls it through syscall(2). */
    static final int SECCOMP_NUMBER = 317;

    private final int number;

    Syscall(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The kernel's name, e.g. {@code epoll_pwait}. */
    public String kernelName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
