package io.katacontainers.check;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static io.katacontainers.check.CheckStatus.FAIL;
import static io.katacontainers.check.CheckStatus.PASS;
import static io.katacontainers.check.CheckStatus.SKIP;
import static io.katacontainers.check.CheckStatus.WARN;
import static io.katacontainers.check.Fixtures.assertStatus;
import static io.katacontainers.check.Fixtures.check;
import static io.katacontainers.check.Fixtures.host;
import static io.katacontainers.check.Fixtures.result;
import static io.katacontainers.check.Fixtures.withStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file checks of every platform, against fixture host roots (no root, no KVM needed). */
class FixtureHostsTest {

    @Test
    void intelIsCapableAndGetsTheBuiltinVmm() throws Exception {
        CheckReport report = check("intel", false);
        assertEquals(Arch.X86_64, report.architecture());
        assertEquals(Platform.INTEL, report.platform());
        assertTrue(report.capable());
        assertEquals(List.of(), withStatus(report, FAIL));
        assertEquals(List.of(), withStatus(report, WARN));
        assertEquals(List.of("cpu attribute GenuineIntel", "cpu flag vmx", "cpu flag lm", "cpu flag sse4_1",
                        "kernel module kvm", "kernel module kvm_intel", "module parameter kvm_intel.unrestricted_guest",
                        "kernel module vhost", "kernel module vhost_net", "kernel module vhost_vsock", "/dev/kvm",
                        "software hypervisor (PVM)"),
                withStatus(report, PASS));
        assertTrue(result(report, "module parameter kvm_intel.unrestricted_guest").reason()
                .contains("unrestricted_guest=Y"));
        // Not probed: every KVM ioctl check is listed as skipped, with the reason.
        assertEquals(9, withStatus(report, SKIP).size());
        assertEquals("fixture", result(report, "KVM_CREATE_VM").reason());
        assertFalse(report.kvmProbed());
        assertFalse(report.canCreate());
        assertEquals(0, report.exitCode());
        assertEquals("builtin", report.hypervisor().hypervisor());
    }

    @Test
    void intelWithoutUnrestrictedGuestFails() throws Exception {
        CheckReport report = check("intel-unrestricted-n", false);
        assertFalse(report.capable());
        assertEquals(1, report.exitCode());
        assertEquals(List.of("module parameter kvm_intel.unrestricted_guest"), withStatus(report, FAIL));
        String reason = result(report, "module parameter kvm_intel.unrestricted_guest").reason();
        assertTrue(reason.contains("unrestricted_guest=N, expected Y"), reason);
        assertTrue(reason.contains("modprobe -r kvm_intel && modprobe kvm_intel unrestricted_guest=1"), reason);
        // KVM itself still works without it: this is Kata's "CPU too old" heuristic, not an accelerator failure.
        assertEquals("builtin", report.hypervisor().hypervisor());
    }

    @Test
    void nestedIntelOnlyWarnsAndStrictTurnsWarningsIntoFailures() throws Exception {
        CheckReport lenient = check("intel-nested", false);
        assertTrue(lenient.capable());
        assertEquals(List.of("module parameter kvm_intel.unrestricted_guest", "kernel module vhost_vsock"),
                withStatus(lenient, WARN));
        assertTrue(result(lenient, "module parameter kvm_intel.unrestricted_guest").reason()
                .contains("this host is itself a virtual machine"));

        CheckReport strict = check("intel-nested", true);
        assertFalse(strict.capable());
        assertEquals(List.of("module parameter kvm_intel.unrestricted_guest", "kernel module vhost_vsock"),
                withStatus(strict, FAIL));
        assertTrue(result(strict, "kernel module vhost_vsock").reason()
                .endsWith("(warning treated as failure by --strict)"));
        assertEquals(1, strict.exitCode());
    }

    @Test
    void missingDeviceFailsAndLeavesQemuTcg() throws Exception {
        CheckReport report = check("no-kvm-device", false);
        assertFalse(report.capable());
        assertEquals(List.of("/dev/kvm"), withStatus(report, FAIL));
        String reason = result(report, "/dev/kvm").reason();
        assertTrue(reason.contains("modprobe kvm_intel"), reason);
        assertTrue(reason.contains("--device /dev/kvm"), reason);
        assertEquals(new HypervisorChoice("qemu", "tcg", "configuration-qemu.toml",
                "no usable KVM (failed: /dev/kvm); guests run unaccelerated, much slower"), report.hypervisor());
    }

    @Test
    void amdUsesModulesIndexForBuiltInAndLoadableModules() throws Exception {
        CheckReport report = check("amd", false);
        assertEquals(Platform.AMD, report.platform());
        assertTrue(report.capable());
        assertStatus(report, "cpu flag svm", PASS);
        assertStatus(report, "kernel module kvm_amd", PASS);
        assertTrue(report.checks().stream().noneMatch(r -> r.name().contains("kvm_intel")));
        assertEquals("Host kernel accelerator for virtio: built into kernel 6.1.0-28-amd64",
                result(report, "kernel module vhost").reason());
        assertEquals(List.of("kernel module vhost_vsock"), withStatus(report, WARN));
        assertEquals("Host support for Linux VM sockets: not loaded; load it: modprobe vhost_vsock (optional)",
                result(report, "kernel module vhost_vsock").reason());
        assertEquals("builtin", report.hypervisor().hypervisor());
    }

    @Test
    void arm64IsCapableAndUsesQemuWithKvm() throws Exception {
        CheckReport report = check("arm64", false);
        assertEquals(Arch.ARM64, report.architecture());
        assertTrue(report.capable());
        assertEquals(List.of("kernel module kvm", "kernel module vhost", "kernel module vhost_net",
                "kernel module vhost_vsock", "/dev/kvm"), withStatus(report, PASS));
        assertStatus(report, "KVM extension KVM_CAP_ARM_VM_IPA_SIZE", SKIP);
        assertEquals("qemu", report.hypervisor().hypervisor());
        assertEquals("kvm", report.hypervisor().accelerator());
        assertEquals("the built-in VMM supports x86_64 only", report.hypervisor().reason());
    }

    @Test
    void power8WithSmtOnFails() throws Exception {
        CheckReport report = check("power8-smt-on", false);
        assertEquals(Arch.PPC64LE, report.architecture());
        assertFalse(report.capable());
        assertEquals(List.of("SMT off (POWER8 and older)"), withStatus(report, FAIL));
        assertEquals("POWER8 runs KVM guests only with SMT off, and SMT is on. Turn it off: ppc64_cpu --smt=off",
                result(report, "SMT off (POWER8 and older)").reason());
        assertStatus(report, "kernel module kvm_hv", PASS);
    }

    @Test
    void power8WithSmtOffReadsThreadSiblingsLikePpc64Cpu() throws Exception {
        CheckReport report = check("power8-smt-off", false);
        assertTrue(report.capable());
        assertEquals("POWER8 needs SMT off: SMT is off", result(report, "SMT off (POWER8 and older)").reason());
    }

    @Test
    void power9KeepsSmtOn() throws Exception {
        CheckReport report = check("power9", false);
        assertTrue(report.capable());
        assertEquals(List.of(), withStatus(report, FAIL));
        assertTrue(result(report, "SMT off (POWER8 and older)").reason().startsWith("POWER9 runs guests with SMT on"));
        assertEquals("qemu", report.hypervisor().hypervisor());
    }

    @Test
    void s390xNeedsSie() throws Exception {
        CheckReport with = check("s390x", false);
        assertEquals(Arch.S390X, with.architecture());
        assertTrue(with.capable());
        assertStatus(with, "cpu flag sie", PASS);

        CheckReport without = check("s390x-no-sie", false);
        assertFalse(without.capable());
        assertEquals(List.of("cpu flag sie"), withStatus(without, FAIL));
        assertTrue(result(without, "cpu flag sie").reason()
                .contains("sie is missing from the 'features' line of /proc/cpuinfo"));
        // A CPU that cannot virtualize leaves only emulation.
        assertEquals("tcg", without.hypervisor().accelerator());
    }

    @Test
    void riscv64IsCapable() throws Exception {
        CheckReport report = check("riscv64", false);
        assertEquals(Arch.RISCV64, report.architecture());
        assertTrue(report.capable());
        assertEquals(List.of("kernel module vhost_vsock"), withStatus(report, WARN));
        assertEquals(List.of(), withStatus(report, FAIL));
    }

    @Test
    void pvmHostIsNotCapableAndSaysWhy() throws Exception {
        CheckReport report = check("pvm", false);
        assertEquals(Platform.AMD, report.platform());
        assertFalse(report.capable());
        assertEquals(List.of("cpu flag svm", "kernel module kvm_amd", "kernel module vhost", "kernel module vhost_net",
                "software hypervisor (PVM)"), withStatus(report, FAIL));
        // kvm is built into that kernel: /sys/module/kvm exists with parameters only.
        assertStatus(report, "kernel module kvm", PASS);
        String pvm = result(report, "software hypervisor (PVM)").reason();
        assertTrue(pvm.contains("PVM (module kvm_pvm loaded)"), pvm);
        assertTrue(pvm.contains("stock guest kernels cannot run accelerated"), pvm);
        assertTrue(pvm.contains("QEMU with TCG: configuration-qemu.toml"), pvm);
        assertTrue(result(report, "kernel module kvm_amd").reason().endsWith("then load it: modprobe kvm_amd"));
        assertEquals("qemu", report.hypervisor().hypervisor());
        assertEquals("tcg", report.hypervisor().accelerator());
        assertTrue(report.hypervisor().reason().contains("software hypervisor (PVM)"));
    }

    @Test
    void kvmWithoutVmxOrSvmIsASoftwareHypervisorEvenWithoutKvmPvm(@TempDir Path root) throws IOException,
            HostCheckException {
        Files.createDirectories(root.resolve("proc"));
        Files.copy(host("pvm").resolve("proc/cpuinfo"), root.resolve("proc/cpuinfo"));
        Files.createDirectories(root.resolve("dev"));
        Files.createFile(root.resolve("dev/kvm"));
        CheckReport report = HostChecker.withoutKvmProbe(root, "fixture").run(Optional.empty(), false);
        assertTrue(result(report, "software hypervisor (PVM)").reason()
                .startsWith("/dev/kvm exists but the CPU has neither vmx nor svm"));
        assertStatus(report, "software hypervisor (PVM)", FAIL);
    }

    @Test
    void architectureComesFromCpuinfoOrFromTheOverride(@TempDir Path root) throws IOException, HostCheckException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor : 0\nsomething : else\n");
        HostChecker checker = HostChecker.withoutKvmProbe(root, "fixture");
        HostCheckException unknown = assertThrows(HostCheckException.class, () -> checker.run(Optional.empty(), false));
        assertTrue(unknown.getMessage().endsWith("pass --arch"), unknown.getMessage());

        CheckReport forced = checker.run(Optional.of(Arch.RISCV64), false);
        assertEquals(Platform.RISCV64, forced.platform());
        assertEquals(List.of("kernel module kvm", "kernel module vhost", "kernel module vhost_net", "/dev/kvm"),
                withStatus(forced, FAIL));
    }

    @Test
    void x86WithAnUnsupportedVendorIsAnError(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"),
                "processor\t: 0\nvendor_id\t: HygonGenuine\nflags\t\t: fpu svm lm\n");
        HostCheckException e = assertThrows(HostCheckException.class,
                () -> HostChecker.withoutKvmProbe(root, "fixture").run(Optional.empty(), false));
        assertTrue(e.getMessage().startsWith("unknown x86_64 CPU vendor 'HygonGenuine'"), e.getMessage());
    }

    @Test
    void archNamesAcceptKataAndGoSpellings() {
        assertEquals(Optional.of(Arch.X86_64), Arch.parse("amd64"));
        assertEquals(Optional.of(Arch.ARM64), Arch.parse("aarch64"));
        assertEquals(Optional.of(Arch.PPC64LE), Arch.parse("PPC64LE"));
        assertEquals(Optional.empty(), Arch.parse("mips"));
    }
}
