package io.katacontainers.check;

import io.katacontainers.ffm.kvm.KvmCap;
import io.katacontainers.ffm.libc.Errno;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.katacontainers.check.CheckStatus.FAIL;
import static io.katacontainers.check.CheckStatus.PASS;
import static io.katacontainers.check.CheckStatus.SKIP;
import static io.katacontainers.check.CheckStatus.WARN;
import static io.katacontainers.check.Fixtures.assertStatus;
import static io.katacontainers.check.Fixtures.host;
import static io.katacontainers.check.Fixtures.result;
import static io.katacontainers.check.Fixtures.withStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ioctl checks, with canned probe answers on fixture hosts. */
class KvmChecksTest {
    private static final Set<Integer> X86_CAPS = Set.of(KvmCap.KVM_CAP_IRQCHIP, KvmCap.KVM_CAP_USER_MEMORY,
            KvmCap.KVM_CAP_SET_TSS_ADDR, KvmCap.KVM_CAP_IRQFD, KvmCap.KVM_CAP_IOEVENTFD, KvmCap.KVM_CAP_PIT2,
            KvmCap.KVM_CAP_EXT_CPUID);

    /** Answers like a healthy host, and records what it was asked. */
    private static final class CannedProbe implements KvmProbe {
        private final KvmProbeResult answer;
        Path device;
        Set<Integer> asked;

        CannedProbe(KvmProbeResult answer) {
            this.answer = answer;
        }

        @Override
        public KvmProbeResult probe(Path device, Set<Integer> capabilities) {
            this.device = device;
            this.asked = capabilities;
            return answer;
        }
    }

    private static Map<Integer, Integer> all(Set<Integer> caps, int value) {
        Map<Integer, Integer> answers = new HashMap<>();
        caps.forEach(c -> answers.put(c, value));
        return answers;
    }

    private static CheckReport run(String fixture, KvmProbe probe) throws HostCheckException {
        return HostChecker.withKvmProbe(host(fixture), probe).run(Optional.empty(), false);
    }

    @Test
    void healthyIntelHostCanCreateAndUsesTheBuiltinVmm() throws Exception {
        CannedProbe probe = new CannedProbe(KvmProbeResult.opened(12, Optional.empty(), all(X86_CAPS, 1), Map.of()));
        CheckReport report = run("intel", probe);
        assertEquals(host("intel").resolve("dev/kvm"), probe.device);
        assertEquals(X86_CAPS, probe.asked);
        assertTrue(report.kvmProbed());
        assertTrue(report.capable());
        assertTrue(report.canCreate());
        assertEquals(0, report.exitCode());
        assertEquals(List.of(), withStatus(report, SKIP));
        assertEquals("KVM_GET_API_VERSION returned 12", result(report, "KVM API version").reason());
        assertStatus(report, "KVM_CREATE_VM", PASS);
        assertEquals("in-kernel PIT: supported", result(report, "KVM extension KVM_CAP_PIT2").reason());
        assertEquals("builtin", report.hypervisor().hypervisor());
    }

    @Test
    void busyVirtualizationMeansAnotherHypervisorIsRunning() throws Exception {
        CheckReport report = run("intel", new CannedProbe(KvmProbeResult.opened(12,
                Optional.of(new KvmProbeResult.Failure(Errno.EBUSY,
                        "ioctl(KVM_CREATE_VM) failed: EBUSY (Device or resource busy)")),
                all(X86_CAPS, 1), Map.of())));
        assertTrue(report.capable());
        assertFalse(report.canCreate());
        assertEquals(1, report.exitCode());
        assertEquals(List.of("KVM_CREATE_VM"), withStatus(report, FAIL));
        assertTrue(result(report, "KVM_CREATE_VM").reason().contains("another hypervisor is running (EBUSY)"));
        assertEquals("tcg", report.hypervisor().accelerator());
    }

    @Test
    void unopenableDeviceFailsOnceAndSkipsTheRest() throws Exception {
        CheckReport report = run("intel", new CannedProbe(KvmProbeResult.unusableDevice(
                new KvmProbeResult.Failure(Errno.EACCES, "open(/dev/kvm) failed: EACCES (Permission denied)"))));
        assertEquals(List.of("KVM API version"), withStatus(report, FAIL));
        assertEquals("cannot open /dev/kvm or read its API version: open(/dev/kvm) failed: EACCES (Permission denied). "
                + "Run as root, or add the user to the group owning /dev/kvm",
                result(report, "KVM API version").reason());
        assertEquals(8, withStatus(report, SKIP).size());
        assertFalse(report.canCreate());
    }

    @Test
    void wrongApiVersionFails() throws Exception {
        CheckReport report = run("amd", new CannedProbe(KvmProbeResult.opened(11, Optional.empty(), all(X86_CAPS, 1),
                Map.of())));
        assertEquals(List.of("KVM API version"), withStatus(report, FAIL));
        assertTrue(result(report, "KVM API version").reason().contains("returned 11, expected 12"));
    }

    @Test
    void missingExtensionRulesOutOnlyTheBuiltinVmm() throws Exception {
        Map<Integer, Integer> answers = all(X86_CAPS, 1);
        answers.put(KvmCap.KVM_CAP_PIT2, 0);
        CheckReport report = run("intel", new CannedProbe(KvmProbeResult.opened(12, Optional.empty(), answers,
                Map.of())));
        assertEquals(List.of("KVM extension KVM_CAP_PIT2"), withStatus(report, WARN));
        assertTrue(report.canCreate());
        assertEquals(new HypervisorChoice("qemu", "kvm", "configuration-qemu.toml",
                "KVM lacks what the built-in VMM needs (KVM extension KVM_CAP_PIT2)"), report.hypervisor());

        CheckReport strict = HostChecker.withKvmProbe(host("intel"),
                new CannedProbe(KvmProbeResult.opened(12, Optional.empty(), answers, Map.of())))
                .run(Optional.empty(), true);
        assertTrue(strict.capable());
        assertFalse(strict.canCreate());
        assertEquals(1, strict.exitCode());
    }

    @Test
    void failedExtensionQueryFails() throws Exception {
        Map<Integer, Integer> answers = all(X86_CAPS, 1);
        answers.remove(KvmCap.KVM_CAP_IRQFD);
        CheckReport report = run("intel", new CannedProbe(KvmProbeResult.opened(12, Optional.empty(), answers,
                Map.of(KvmCap.KVM_CAP_IRQFD, new KvmProbeResult.Failure(Errno.EINVAL,
                        "ioctl(KVM_CHECK_EXTENSION) failed: EINVAL (Invalid argument)")))));
        assertEquals(List.of("KVM extension KVM_CAP_IRQFD"), withStatus(report, FAIL));
    }

    @Test
    void arm64ReportsTheIpaSize() throws Exception {
        CannedProbe probe = new CannedProbe(KvmProbeResult.opened(12, Optional.empty(),
                Map.of(KvmCap.KVM_CAP_ARM_VM_IPA_SIZE, 48), Map.of()));
        CheckReport report = run("arm64", probe);
        assertEquals(Set.of(KvmCap.KVM_CAP_ARM_VM_IPA_SIZE), probe.asked);
        assertEquals("maximum guest physical address bits (0: fixed at 40): 48",
                result(report, "KVM extension KVM_CAP_ARM_VM_IPA_SIZE").reason());
        assertTrue(report.canCreate());
        assertEquals("qemu", report.hypervisor().hypervisor());
    }

    @Test
    void otherArchitecturesOnlyOpenAndCreate() throws Exception {
        CannedProbe probe = new CannedProbe(KvmProbeResult.opened(12, Optional.empty(), Map.of(), Map.of()));
        CheckReport report = run("s390x", probe);
        assertEquals(Set.of(), probe.asked);
        assertTrue(report.canCreate());
        assertEquals(List.of("KVM API version", "KVM_CREATE_VM"), report.checks().stream()
                .filter(r -> r.stage() == CheckStage.KVM).map(CheckResult::name).toList());
    }
}
