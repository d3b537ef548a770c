package io.katacontainers.check;

import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.ffm.libc.SyscallException;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The real {@link KvmProbe}: ioctls on the device through kata-native. */
final class NativeKvmProbe implements KvmProbe {

    @Override
    public KvmProbeResult probe(Path device, Set<Integer> capabilities) {
        try (KvmSystem kvm = KvmSystem.open(device)) {
            int apiVersion = kvm.apiVersion();
            Map<Integer, Integer> extensions = new HashMap<>();
            Map<Integer, KvmProbeResult.Failure> extensionFailures = new HashMap<>();
            for (int capability : capabilities) {
                try {
                    extensions.put(capability, kvm.checkExtension(capability));
                } catch (SyscallException e) {
                    extensionFailures.put(capability, failure(e));
                }
            }
            return KvmProbeResult.opened(apiVersion, createVm(kvm), extensions, extensionFailures);
        } catch (SyscallException e) {
            return KvmProbeResult.unusableDevice(failure(e));
        }
    }

    /** Creates a VM and closes it at once: Kata's proof that a VM could be started now. */
    private static Optional<KvmProbeResult.Failure> createVm(KvmSystem kvm) {
        try {
            kvm.createVm().close();
            return Optional.empty();
        } catch (SyscallException e) {
            return Optional.of(failure(e));
        }
    }

    private static KvmProbeResult.Failure failure(SyscallException e) {
        return new KvmProbeResult.Failure(e.errno(), e.getMessage());
    }
}
