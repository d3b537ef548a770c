package io.katacontainers.check.host;

/** What a failing check rules out; this is how the hypervisor recommendation is derived. */
public enum Role {
    /** Without it there is no usable KVM at all: only QEMU with TCG remains. */
    ACCELERATION,
    /** Required by Kata, but KVM itself still works (e.g. vhost modules, 64-bit CPU). */
    GENERAL,
    /** Needed by the built-in VMM only; QEMU copes without it. */
    BUILTIN_VMM
}
