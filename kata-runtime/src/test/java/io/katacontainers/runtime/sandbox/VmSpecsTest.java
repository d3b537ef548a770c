package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.config.ConfigSchema;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VmSpecsTest {
    private static final Path RUN = Path.of("/run/vc/sbs/sb1/vm");
    private static final Path SHARED = Path.of("/run/kata-containers/shared/sandboxes/sb1");

    @Test
    void theConfiguredCacheModeAndExtraArgsReachVirtiofsdForEitherHypervisor() {
        VmSpec qemu = VmSpecs.of("sb1", ConfigSchema.QEMU.build(Map.of("virtio_fs_cache", "never",
                "virtio_fs_extra_args", List.of("-o", "xattr"))), RUN);
        assertEquals(VirtiofsCache.NEVER, qemu.virtiofsCache());
        List<String> arguments = VirtiofsdCommand.forVm(qemu,
                new Device.SharedFs("kataShared", SHARED), RUN.resolve("virtiofsd.sock")).arguments();
        assertTrue(arguments.contains("cache=none"), arguments::toString);
        assertEquals(List.of("-o", "xattr"), arguments.subList(arguments.size() - 2, arguments.size()));

        VmSpec builtin = VmSpecs.of("sb1", ConfigSchema.BUILTIN.build(Map.of("virtio_fs_cache", "always")), RUN);
        assertEquals(VirtiofsCache.ALWAYS, builtin.virtiofsCache());
    }

    @Test
    void theAgentsDebugLevelTravelsOnTheKernelCommandLine() {
        var qemu = ConfigSchema.QEMU.build(Map.of("kernel_params", "quiet"));
        assertEquals("quiet agent.log=debug", VmSpecs.of("sb1", qemu,
                ConfigSchema.AGENT.build(Map.of("enable_debug", true)), RUN).kernelParams());
        assertEquals("quiet", VmSpecs.of("sb1", qemu, ConfigSchema.AGENT.defaults(), RUN).kernelParams());
    }

    @Test
    void qemusSeccompSandboxComesFromTheConfigurationAndSurvivesTheAgentsParameters() {
        var qemu = ConfigSchema.QEMU.build(Map.of("seccompsandbox", "on,spawn=deny"));
        assertEquals("on,spawn=deny", VmSpecs.of("sb1", qemu, ConfigSchema.AGENT.build(Map.of("enable_debug", true)),
                RUN).seccompSandbox());
        // The built-in VMM's own filter: on by default, off with its disable_seccomp.
        assertEquals("on", VmSpecs.of("sb1", ConfigSchema.BUILTIN.defaults(), RUN).seccompSandbox());
        assertEquals("", VmSpecs.of("sb1", ConfigSchema.BUILTIN.build(Map.of("disable_seccomp", true)), RUN)
                .seccompSandbox());
    }

    @Test
    void reclaimGuestFreedMemoryComesFromQemusSectionAndSurvivesTheAgentsParameters() {
        var qemu = ConfigSchema.QEMU.build(Map.of("reclaim_guest_freed_memory", true));
        assertTrue(VmSpecs.of("sb1", qemu, ConfigSchema.AGENT.build(Map.of("enable_debug", true)), RUN)
                .reclaimGuestFreedMemory());
        assertEquals(false, VmSpecs.of("sb1", ConfigSchema.QEMU.defaults(), RUN).reclaimGuestFreedMemory());
        assertEquals(false, VmSpecs.of("sb1", ConfigSchema.BUILTIN.build(Map.of("reclaim_guest_freed_memory", true)),
                RUN).reclaimGuestFreedMemory(), "the built-in VMM has no balloon (its loader reports the key)");
    }

    @Test
    void theDefaultCacheIsAuto() {
        assertEquals(VirtiofsCache.AUTO, VmSpecs.of("sb1", ConfigSchema.BUILTIN.defaults(), RUN)
                .virtiofsCache());
    }

    @Test
    void theDebugConsoleAddsItsPortAndKatasKernelParameters() {
        var qemu = ConfigSchema.QEMU.build(Map.of("kernel_params", "quiet"));
        var console = ConfigSchema.AGENT.build(Map.of("debug_console_enabled", true));
        assertEquals("quiet agent.debug_console agent.debug_console_vport=1026",
                VmSpecs.of("sb1", qemu, console, RUN).kernelParams());
        assertEquals(List.of(new Device.Vsock(1024), new Device.SharedFs("kataShared", SHARED), new Device.Vsock(1026)),
                VmSpecs.devices(SHARED, console));
        assertEquals(VmSpecs.devices(SHARED), VmSpecs.devices(SHARED, ConfigSchema.AGENT.defaults()),
                "off by default");
    }

    @Test
    void everySandboxGetsTheAgentsVsockAndTheSharedDirectory() {
        assertEquals(List.of(new Device.Vsock(1024), new Device.SharedFs("kataShared", SHARED)),
                VmSpecs.devices(SHARED));
    }
}
