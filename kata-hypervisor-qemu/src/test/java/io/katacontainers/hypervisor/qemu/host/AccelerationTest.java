package io.katacontainers.hypervisor.qemu.host;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accelerator choice (kata-check's verdict) and the other host facts, from fixture host roots. */
class AccelerationTest {
    private static final String AMD_FLAGS = "fpu vme de pse tsc msr pae svm lm";
    private static final String PVM_GUEST_FLAGS = "fpu vme de pse tsc msr pae hypervisor lm constant_tsc";

    @TempDir
    Path root;

    private void cpuinfo(String flags, String mhz) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), String.join("\n", List.of(
                "processor\t: 0", "vendor_id\t: AuthenticAMD", "model name\t: AMD EPYC", "cpu MHz\t\t: " + mhz,
                "flags\t\t: " + flags,
                "", "processor\t: 1", "vendor_id\t: AuthenticAMD", "cpu MHz\t\t: 1.000", "flags\t\t: " + flags, "")));
    }

    private void touch(String path) throws IOException {
        Files.createDirectories(root.resolve(path).getParent());
        Files.createFile(root.resolve(path));
    }

    /** /dev/kvm and loaded modules, as /sys/module shows them. */
    private void kvm(String... modules) throws IOException {
        touch("dev/kvm");
        for (String module : modules) {
            Files.createDirectories(root.resolve("sys/module").resolve(module));
        }
    }

    @Test
    void hardwareVirtualizationWithKvmGivesKvm() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        kvm("kvm", "kvm_amd");
        Acceleration acceleration = Acceleration.choose(root);
        assertEquals(Acceleration.Kind.KVM, acceleration.kind(), acceleration::toString);
        assertTrue(acceleration.fallbackReason().isEmpty());
        assertEquals(List.of("-accel", "kvm", "-cpu", "host"), acceleration.qemuArguments());
    }

    @Test
    void pvmKvmDeviceFallsBackToTcgAndSaysWhy() throws IOException {
        cpuinfo(PVM_GUEST_FLAGS, "2596.124");
        kvm("kvm", "kvm_pvm");
        Acceleration acceleration = Acceleration.choose(root);
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("PVM"), acceleration::toString);
        assertEquals(List.of("-accel", "tcg", "-cpu", "max"), acceleration.qemuArguments());
    }

    @Test
    void pvmWinsEvenWithVirtualizationFlags() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        kvm("kvm", "kvm_amd", "kvm_pvm");
        assertEquals(Acceleration.Kind.TCG, Acceleration.choose(root).kind());
    }

    @Test
    void kvmDeviceWithoutVmxOrSvmFallsBackToTcg() throws IOException {
        cpuinfo(PVM_GUEST_FLAGS, "2596.124");
        kvm("kvm", "kvm_amd");
        Acceleration acceleration = Acceleration.choose(root);
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("svm"), acceleration::toString);
    }

    @Test
    void noKvmDeviceFallsBackToTcg() throws IOException {
        cpuinfo(AMD_FLAGS, "2596.124");
        Files.createDirectories(root.resolve("sys/module/kvm_amd"));
        Files.createDirectories(root.resolve("sys/module/kvm"));
        Acceleration acceleration = Acceleration.choose(root);
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("/dev/kvm"), acceleration::toString);
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
    void emptyHostRootKnowsNothingAndRunsTcg() {
        assertEquals(new HostFacts(false, OptionalLong.empty()), HostFacts.read(root));
        Acceleration acceleration = Acceleration.choose(root);
        assertEquals(Acceleration.Kind.TCG, acceleration.kind());
        assertTrue(acceleration.fallbackReason().orElseThrow().contains("cpuinfo"), acceleration::toString);
    }

    @Test
    void thisHostIsPvmAndRunsTcg() {
        Assumptions.assumeTrue(Files.exists(Path.of("/sys/module/kvm_pvm")), "not the PVM build machine");
        assertEquals(Acceleration.Kind.TCG, Acceleration.choose(Path.of("/")).kind());
        assertTrue(HostFacts.read(Path.of("/")).tscKhz().isPresent());
    }
}
