package io.katacontainers.hypervisor.qemu.host;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accelerator choice from fixture host roots. */
class AccelerationTest {
    private static final String AMD_FLAGS = "fpu vme de pse tsc msr pae svm lm";
    private static final String PVM_GUEST_FLAGS = "fpu vme de pse tsc msr pae hypervisor lm constant_tsc";

    @TempDir
    Path root;

    private void cpuinfo(String flags, String mhz) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), String.join("\n", List.of(
                "processor\t: 0", "model name\t: AMD EPYC", "cpu MHz\t\t: " + mhz, "flags\t\t: " + flags,
                "", "processor\t: 1", "cpu MHz\t\t: 1.000", "flags\t\t: " + flags, "")));
    }

    private void touch(String path) throws IOException {
        Files.createDirectories(root.resolve(path).getParent());
        Files.createFile(root.resolve(path));
    }

    @Test
    void hardwareVirtualizationWithKvmDeviceGivesKvm() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        touch("dev/kvm");
        HostFacts facts = HostFacts.read(root);
        assertEquals(new HostFacts(true, true, false, false, OptionalLong.of(2596124)), facts);
        Acceleration acceleration = Acceleration.choose(facts);
        assertEquals(Acceleration.Kind.KVM, acceleration.kind());
        assertTrue(acceleration.fallbackReason().isEmpty());
        assertEquals(List.of("-accel", "kvm", "-cpu", "host"), acceleration.qemuArguments());
    }

    @Test
    void pvmKvmDeviceFallsBackToTcgAndSaysWhy() throws IOException {
        cpuinfo(PVM_GUEST_FLAGS, "2596.124");
        touch("dev/kvm");
        Files.createDirectories(root.resolve("sys/module/kvm_pvm"));
        Acceleration acceleration = Acceleration.choose(HostFacts.read(root));
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("PVM"), acceleration::toString);
        assertEquals(List.of("-accel", "tcg", "-cpu", "max"), acceleration.qemuArguments());
    }

    @Test
    void pvmWinsEvenWithVirtualizationFlags() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        touch("dev/kvm");
        Files.createDirectories(root.resolve("sys/module/kvm_pvm"));
        assertEquals(Acceleration.Kind.TCG, Acceleration.choose(HostFacts.read(root)).kind());
    }

    @Test
    void kvmDeviceWithoutVmxOrSvmFallsBackToTcg() throws IOException {
        cpuinfo(PVM_GUEST_FLAGS, "2596.124");
        touch("dev/kvm");
        Acceleration acceleration = Acceleration.choose(HostFacts.read(root));
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("neither vmx nor svm"));
    }

    @Test
    void noKvmDeviceFallsBackToTcg() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        Acceleration acceleration = Acceleration.choose(HostFacts.read(root));
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("/dev/kvm does not exist"));
    }

    @Test
    void vhostVsockAndExactTscFrequencyAreRead() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        touch("dev/vhost-vsock");
        Files.createDirectories(root.resolve("sys/devices/system/cpu/cpu0"));
        Files.writeString(root.resolve("sys/devices/system/cpu/cpu0/tsc_freq_khz"), "2596000\n");
        HostFacts facts = HostFacts.read(root);
        assertTrue(facts.vhostVsock());
        assertEquals(OptionalLong.of(2596000), facts.tscKhz());
    }

    @Test
    void emptyHostRootKnowsNothing() {
        HostFacts facts = HostFacts.read(root);
        assertEquals(new HostFacts(false, false, false, false, OptionalLong.empty()), facts);
    }

    @Test
    void thisHostIsPvmAndRunsTcg() {
        HostFacts facts = HostFacts.read(Path.of("/"));
        org.junit.jupiter.api.Assumptions.assumeTrue(facts.pvm(), "not the PVM build machine");
        assertFalse(facts.hardwareVirtualization());
        assertEquals(Acceleration.Kind.TCG, Acceleration.choose(facts).kind());
        assertTrue(facts.tscKhz().isPresent());
    }
}
