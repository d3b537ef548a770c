package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.virtiofs.VirtiofsCache;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** VM specs for tests: QEMU and virtiofsd from Debian's packages, small guests. */
final class TestVms {
    static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    static final Path VIRTIOFSD = Path.of("/usr/lib/qemu/virtiofsd");

    private TestVms() {
    }

    static VmSpec spec(String id, Path runDir, String machine, Path kernel) {
        return new VmSpec(id, runDir, QEMU, machine, 1, 128, kernel, Optional.empty(), "", VIRTIOFSD,
                VirtiofsCache.AUTO, List.of(), false);
    }

    static VmSpec withCache(VmSpec spec, VirtiofsCache cache) {
        return new VmSpec(spec.sandboxId(), spec.runDir(), spec.vmmPath(), spec.machineType(), spec.vcpus(),
                spec.memoryMiB(), spec.kernel(), spec.initrd(), spec.kernelParams(),
                spec.virtiofsd(), cache, spec.virtiofsdExtraArgs(), spec.debug());
    }

    /** A VM with a sandbox's devices: the agent's vsock, and {@code shared} by virtio-fs when present. */
    static QemuHypervisor vm(QemuDriver driver, VmSpec spec, Optional<Path> shared) throws HypervisorException {
        QemuHypervisor vm = (QemuHypervisor) driver.create(spec);
        vm.addDevice(new Device.Vsock(GuestContract.AGENT_VSOCK_PORT));
        if (shared.isPresent()) {
            vm.addDevice(new Device.SharedFs(GuestContract.SHARED_FS_TAG, shared.get()));
        }
        return vm;
    }

    static VmSpec withInitrd(VmSpec spec, Path initrd, String kernelParams) {
        return new VmSpec(spec.sandboxId(), spec.runDir(), spec.vmmPath(), spec.machineType(), spec.vcpus(),
                256, spec.kernel(), Optional.of(initrd), kernelParams, spec.virtiofsd(),
                spec.virtiofsCache(), spec.virtiofsdExtraArgs(), spec.debug());
    }

    /** Alive means running: a killed child whose new parent does not reap it stays a zombie ('Z'). */
    static boolean running(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String text = java.nio.file.Files.readString(stat);
            char state = text.charAt(text.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
