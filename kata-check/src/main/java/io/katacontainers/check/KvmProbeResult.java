package io.katacontainers.check;

import io.katacontainers.ffm.libc.Errno;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link KvmProbe} found.
 *
 * @param deviceFailure      opening the device or reading its API version failed (then nothing else ran)
 * @param apiVersion         KVM_GET_API_VERSION's answer (meaningful only without deviceFailure)
 * @param createVmFailure    KVM_CREATE_VM failed, e.g. EBUSY when another hypervisor owns VT-x/SVM
 * @param extensions         capability number to KVM_CHECK_EXTENSION's answer (0 = absent)
 * @param extensionFailures  capability number to the error of a KVM_CHECK_EXTENSION call that failed
 */
public record KvmProbeResult(Optional<Failure> deviceFailure, int apiVersion, Optional<Failure> createVmFailure,
                             Map<Integer, Integer> extensions, Map<Integer, Failure> extensionFailures) {

    /** A failed system call: the errno it returned and a message naming the call and the errno. */
    public record Failure(int errno, String message) {
        public Failure {
            Objects.requireNonNull(message);
        }

        /** A failure with a known errno. */
        public Failure(Errno errno, String message) {
            this(errno.number(), message);
        }

        /** Whether the call failed with this errno. */
        public boolean is(Errno expected) {
            return errno == expected.number();
        }

        /** The errno as a constant, empty for a number this build does not know. */
        public Optional<Errno> errnoConstant() {
            return Errno.of(errno);
        }
    }

    public KvmProbeResult {
        extensions = Map.copyOf(extensions);
        extensionFailures = Map.copyOf(extensionFailures);
    }

    public static KvmProbeResult unusableDevice(Failure failure) {
        return new KvmProbeResult(Optional.of(failure), 0, Optional.empty(), Map.of(), Map.of());
    }

    public static KvmProbeResult opened(int apiVersion, Optional<Failure> createVmFailure,
                                        Map<Integer, Integer> extensions, Map<Integer, Failure> extensionFailures) {
        return new KvmProbeResult(Optional.empty(), apiVersion, createVmFailure, extensions, extensionFailures);
    }
}
