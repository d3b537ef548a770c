package io.katacontainers.ffm.libc;

import java.io.IOException;
import java.io.Serial;
import java.util.Optional;

/**
 * A failed system call, carrying the errno the kernel returned.
 * The message reads like {@code ioctl(KVM_CREATE_VM) failed: EBUSY (Device or resource busy)}.
 */
public final class SyscallException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String syscall;
    private final int errno;

    /**
     * @param syscall what failed, with enough argument detail to act on, e.g. {@code ioctl(KVM_CREATE_VM)} or
     *                {@code open(/dev/kvm)}
     * @param errno   the errno value captured right after the call
     */
    public SyscallException(String syscall, int errno) {
        super(syscall + " failed: " + Errno.nameOf(errno) + " (" + Errno.describe(errno) + ")");
        this.syscall = syscall;
        this.errno = errno;
    }

    /** What failed, e.g. {@code ioctl(KVM_CREATE_VM)}. */
    public String syscall() {
        return syscall;
    }

    /** The raw errno number. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code EBUSY} ("errno N" if the number is unknown). */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** The errno as an enum constant, empty if the number is unknown. */
    public Optional<Errno> errnoConstant() {
        return Errno.of(errno);
    }

    /** Whether this failure carries the given errno. */
    public boolean is(Errno expected) {
        return errno == expected.number();
    }
}
