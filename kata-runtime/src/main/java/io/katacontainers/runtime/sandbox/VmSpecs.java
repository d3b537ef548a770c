package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.QemuConfig;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.virtiofs.VirtiofsCache;

import java.nio.file.Path;
import java.util.Optional;

/** Turns the configuration's hypervisor section into the spec of one sandbox's VM. */
final class VmSpecs {
    private VmSpecs() {
    }

    static VmSpec of(String sandboxId, HypervisorConfig config, Path runDir, Optional<Path> sharedDir) {
        String machineType = switch (config) {
            case QemuConfig qemu -> qemu.machineType();
            case BuiltinConfig builtin -> "microvm";
        };
        Path vmmPath = switch (config) {
            case QemuConfig qemu -> Path.of(qemu.path());
            case BuiltinConfig builtin -> Path.of("builtin");
        };
        Optional<Path> initrd = config.initrd().isEmpty() ? Optional.empty() : Optional.of(Path.of(config.initrd()));
        return new VmSpec(sandboxId, runDir, vmmPath, machineType,
                config.vcpus(Runtime.getRuntime().availableProcessors()), config.defaultMemory(),
                Path.of(config.kernel()), initrd, config.kernelParams(), sharedDir,
                Path.of(config.virtioFsDaemon()), VirtiofsCache.fromConfig(config.virtioFsCache()),
                config.virtioFsExtraArgs(), config.enableDebug());
    }
}
