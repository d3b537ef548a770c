package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.config.AgentConfig;
import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.QemuConfig;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.virtiofs.VirtiofsCache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns the configuration's hypervisor section into the spec of one sandbox's VM, and names the VM's devices. */
final class VmSpecs {
    private VmSpecs() {
    }

    /**
     * The devices every sandbox's VM gets, in the order they are added: the agent's vsock and the shared
     * directory (virtio-fs, tag {@code kataShared}) the containers' root filesystems reach the guest through.
     */
    static List<Device> devices(Path sharedDir) {
        return List.of(new Device.Vsock(GuestContract.AGENT_VSOCK_PORT),
                new Device.SharedFs(GuestContract.SHARED_FS_TAG, sharedDir));
    }

    /** {@link #devices(Path)}, and with {@code debug_console_enabled} the debug console's vsock port (1026). */
    static List<Device> devices(Path sharedDir, AgentConfig agent) {
        if (!agent.debugConsoleEnabled()) {
            return devices(sharedDir);
        }
        var devices = new ArrayList<>(devices(sharedDir));
        devices.add(new Device.Vsock(GuestContract.DEBUG_CONSOLE_VSOCK_PORT));
        return List.copyOf(devices);
    }

    /**
     * The VM's spec with the agent's settings that travel on the kernel command line: {@code [agent.kata]
     * enable_debug} adds {@code agent.log=debug} (the agent's level; its lines go to the guest console, which the
     * shim's log follows), {@code debug_console_enabled} Kata's {@code agent.debug_console
     * agent.debug_console_vport=1026}.
     */
    static VmSpec of(String sandboxId, HypervisorConfig config, AgentConfig agent, Path runDir) {
        VmSpec spec = of(sandboxId, config, runDir);
        String params = spec.kernelParams();
        if (agent.enableDebug()) {
            params += " agent.log=debug";
        }
        if (agent.debugConsoleEnabled()) {
            params += " " + GuestContract.DEBUG_CONSOLE_PARAM + " " + GuestContract.DEBUG_CONSOLE_PORT_PARAM + "="
                    + GuestContract.DEBUG_CONSOLE_VSOCK_PORT;
        }
        params = params.strip();
        if (params.equals(spec.kernelParams())) {
            return spec;
        }
        return spec.withKernelParams(params);
    }

    static VmSpec of(String sandboxId, HypervisorConfig config, Path runDir) {
        String machineType = switch (config) {
            case QemuConfig qemu -> qemu.machineType();
            case BuiltinConfig builtin -> "microvm";
        };
        Path vmmPath = switch (config) {
            case QemuConfig qemu -> Path.of(qemu.path());
            case BuiltinConfig builtin -> Path.of("builtin");
        };
        Optional<Path> initrd = config.initrd().isEmpty() ? Optional.empty() : Optional.of(Path.of(config.initrd()));
        VmSpec spec = new VmSpec(sandboxId, runDir, vmmPath, machineType,
                config.vcpus(Runtime.getRuntime().availableProcessors()), config.defaultMemory(),
                Path.of(config.kernel()), initrd, config.kernelParams(),
                Path.of(config.virtioFsDaemon()), VirtiofsCache.fromConfig(config.virtioFsCache()),
                config.virtioFsExtraArgs(), config.enableDebug(), switch (config) {
                    case QemuConfig qemu -> qemu.seccompsandbox();
                    // The built-in VMM's filter is its own: any value turns it on (VmSpec.seccompSandbox).
                    case BuiltinConfig builtin -> builtin.disableSeccomp() ? "" : "on";
                }, config instanceof QemuConfig qemu && qemu.reclaimGuestFreedMemory());
        return config.image().isEmpty() ? spec : spec.withImage(Path.of(config.image()));
    }
}
