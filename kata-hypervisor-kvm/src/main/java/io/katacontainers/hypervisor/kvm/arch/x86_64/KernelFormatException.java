package io.katacontainers.hypervisor.kvm.arch.x86_64;

import java.io.IOException;

/** The guest kernel (or initrd) file cannot be booted: the message names the file, the problem and the fix. */
public final class KernelFormatException extends IOException {
    public KernelFormatException(String message) {
        super(message);
    }
}
