package io.katacontainers.hypervisor.kvm.seccomp;

import io.katacontainers.ffm.libc.SyscallException;

/** What a VMM thread does to itself first, before it runs guest code or device work (e.g. install a filter). */
@FunctionalInterface
public interface ThreadSetup {
    /** Nothing: the thread runs unconfined. */
    ThreadSetup NONE = () -> { };

    /** Runs on the thread itself; a failure keeps the thread from doing its work. */
    void apply() throws SyscallException;
}
