package io.katacontainers.check;

import java.nio.file.Path;
import java.util.Set;

/**
 * The ioctl half of the check, behind an interface so that tests can supply answers without root or KVM.
 * The real implementation opens the device with kata-native's KvmSystem.
 */
@FunctionalInterface
public interface KvmProbe {
    /**
     * Opens {@code device}, reads KVM_GET_API_VERSION, creates and destroys a VM (KVM_CREATE_VM), and asks
     * KVM_CHECK_EXTENSION for each capability. Never throws: every failure is part of the result.
     */
    KvmProbeResult probe(Path device, Set<Integer> capabilities);
}
