package io.katacontainers.runtime.sandbox;

import io.katacontainers.agent.proto.Linux;
import io.katacontainers.agent.proto.LinuxCPU;
import io.katacontainers.agent.proto.LinuxMemory;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.config.ConfigSchema;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.runtime.config.HostLimits;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SandboxSizingTest {
    private static Spec sandbox(Map<String, String> annotations) {
        return Spec.newBuilder().putAllAnnotations(annotations).build();
    }

    @Test
    void containerdsSandboxAnnotationsSizeThePod() {
        // Kata's example: 2200 mCPU and 512 MiB.
        SandboxSizing sizing = SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri.container-type", "sandbox",
                SandboxSizing.CRI_CPU_PERIOD, "100000", SandboxSizing.CRI_CPU_QUOTA, "220000",
                SandboxSizing.CRI_MEMORY, Long.toString(512L << 20))));
        assertEquals(new SandboxSizing(2.2, 512), sizing);
        assertEquals(SandboxSizing.NONE, SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri.container-type",
                "sandbox", SandboxSizing.CRI_CPU_PERIOD, "100000", SandboxSizing.CRI_CPU_QUOTA, "0",
                SandboxSizing.CRI_CPU_SHARES, "2", SandboxSizing.CRI_MEMORY, "0"))), "a best-effort pod adds nothing");
        assertEquals(new SandboxSizing(3, 0), SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri.container-type",
                "sandbox", SandboxSizing.CRI_CPU_PERIOD, "100000", SandboxSizing.CRI_CPU_QUOTA, "-1",
                SandboxSizing.CRI_CPU_SHARES, "3072"))), "kubelet's static CPU manager: the CPUs from the shares");
        assertEquals(new SandboxSizing(0, 64), SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri.container-type",
                "sandbox", SandboxSizing.CRI_CPU_QUOTA, "lots", SandboxSizing.CRI_MEMORY, Long.toString(64L << 20)))),
                "an unparsable value counts as 0, as in Kata");
    }

    /** A pod that asks for more than the host has is refused, naming the annotations it asked with. */
    @Test
    void aWorkloadBeyondTheHostIsRefusedNamingItsAnnotations() {
        HostLimits host = new HostLimits(4, 8192);
        Spec huge = sandbox(Map.of("io.kubernetes.cri.container-type", "sandbox",
                SandboxSizing.CRI_MEMORY, Long.toString(Long.MAX_VALUE)));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> SandboxSizing.of(huge).checkFits(host, huge));
        assertTrue(refused.getMessage().contains(SandboxSizing.CRI_MEMORY + "=" + Long.MAX_VALUE),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("8192 MiB"), refused.getMessage());
        Spec manyCpus = sandbox(Map.of("io.kubernetes.cri.container-type", "sandbox",
                SandboxSizing.CRI_CPU_PERIOD, "1", SandboxSizing.CRI_CPU_QUOTA, "1000000"));
        assertThrows(IllegalArgumentException.class, () -> SandboxSizing.of(manyCpus).checkFits(host, manyCpus));
        Spec docker = Spec.newBuilder().setLinux(Linux.newBuilder().setResources(LinuxResources.newBuilder()
                .setMemory(LinuxMemory.newBuilder().setLimit(1L << 50)))).build();
        refused = assertThrows(IllegalArgumentException.class, () -> SandboxSizing.of(docker).checkFits(host, docker));
        assertTrue(refused.getMessage().contains("linux.resources"), refused.getMessage());
        Spec fits = sandbox(Map.of("io.kubernetes.cri.container-type", "sandbox", SandboxSizing.CRI_CPU_PERIOD,
                "100000", SandboxSizing.CRI_CPU_QUOTA, "400000", SandboxSizing.CRI_MEMORY, Long.toString(8192L << 20)));
        assertEquals(new SandboxSizing(4, 8192), SandboxSizing.of(fits).checkFits(host, fits), "the host's size fits");
    }

    @Test
    void crioPodResourcesSizeThePod() {
        String json = "{\"cpu_period\":100000,\"cpu_quota\":50000,\"memory_limit_in_bytes\":268435456,"
                + "\"cpuset_cpus\":\"0-1\"}";
        assertEquals(new SandboxSizing(0.5, 256), SandboxSizing.of(sandbox(Map.of(
                "io.kubernetes.cri-o.ContainerType", "sandbox", SandboxSizing.CRIO_POD_RESOURCES, json))));
        assertEquals(new SandboxSizing(0.5, 256), SandboxSizing.of(sandbox(Map.of(
                "io.kubernetes.cri-o.ContainerType", "sandbox", SandboxSizing.CRIO_POD_RESOURCES_DEPRECATED, json))));
        assertEquals(SandboxSizing.NONE, SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri-o.ContainerType",
                "sandbox", SandboxSizing.CRIO_POD_RESOURCES, "not json"))));
        assertEquals(SandboxSizing.NONE, SandboxSizing.of(sandbox(Map.of("io.kubernetes.cri-o.ContainerType",
                "sandbox"))), "no annotation, no size");
    }

    @Test
    void aSingleContainerIsSizedByItsOwnLimits() {
        Spec docker = Spec.newBuilder().setLinux(Linux.newBuilder().setResources(LinuxResources.newBuilder()
                .setCPU(LinuxCPU.newBuilder().setQuota(150000).setPeriod(100000))
                .setMemory(LinuxMemory.newBuilder().setLimit(128L << 20)))).build();
        assertEquals(new SandboxSizing(1.5, 128), SandboxSizing.of(docker));
        Spec unlimited = Spec.newBuilder().setLinux(Linux.newBuilder().setResources(LinuxResources.newBuilder()
                .setCPU(LinuxCPU.newBuilder().setQuota(-1).setPeriod(100000))
                .setMemory(LinuxMemory.newBuilder().setLimit(-1)))).build();
        assertEquals(SandboxSizing.NONE, SandboxSizing.of(unlimited));
        assertEquals(SandboxSizing.NONE, SandboxSizing.of(Spec.getDefaultInstance()));
    }

    @Test
    void theWorkloadIsAddedToTheConfiguredVmRoundingTheCpusUp() {
        VmSpec base = VmSpecs.of("sb1", ConfigSchema.QEMU.build(Map.of("default_vcpus", 1.0, "default_memory", 2048)),
                Path.of("/run/vc/sbs/sb1"));
        VmSpec sized = new SandboxSizing(2.2, 512).addTo(base);
        assertEquals(4, sized.vcpus(), "1 + 2.2 rounded up");
        assertEquals(2560, sized.memoryMiB());
        assertEquals(2, new SandboxSizing(1, 0).addTo(base).vcpus());
        assertEquals(base, SandboxSizing.NONE.addTo(base));
    }
}
