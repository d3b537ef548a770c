package io.katacontainers.check;

import io.katacontainers.check.host.ArchTable;
import io.katacontainers.check.host.Check;
import io.katacontainers.check.host.CpuInfo;
import io.katacontainers.check.host.HostContext;
import io.katacontainers.check.host.HostRoot;
import io.katacontainers.check.host.KvmExtensionCheck;
import io.katacontainers.check.host.Role;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The engine: picks the platform's checks, runs them against a host root and derives the verdicts. */
public final class HostChecker {
    private final HostRoot root;
    private final Optional<KvmProbe> probe;
    private final String whyNotProbed;

    private HostChecker(Path hostRoot, Optional<KvmProbe> probe, String whyNotProbed) {
        this.root = new HostRoot(Objects.requireNonNull(hostRoot));
        this.probe = probe;
        this.whyNotProbed = whyNotProbed;
    }

    /** Also runs the KVM checks, asking {@code probe} about the host root's /dev/kvm. */
    public static HostChecker withKvmProbe(Path hostRoot, KvmProbe probe) {
        return new HostChecker(hostRoot, Optional.of(probe), "");
    }

    /** Reads files only; the KVM checks are skipped with {@code reason}. */
    public static HostChecker withoutKvmProbe(Path hostRoot, String reason) {
        return new HostChecker(hostRoot, Optional.empty(), reason);
    }

    /**
     * The hypervisor and accelerator for {@code hostRoot}, decided from its files as {@code kata-runtime check} decides
     * without root: the one place that tells hardware virtualization from PVM and from none, for the check and for
     * the hypervisor drivers (QEMU's -accel).
     */
    public static HypervisorChoice choose(Path hostRoot) {
        try {
            return withoutKvmProbe(hostRoot, "decided from files").run(Optional.empty(), false).hypervisor();
        } catch (HostCheckException e) {
            return HypervisorChoice.qemuTcg(e.getMessage() + "; guests run unaccelerated, much slower");
        }
    }

    /**
     * Runs every check of the host's platform.
     *
     * @param arch   the architecture to check for; empty: detect it from the host root's /proc/cpuinfo
     * @param strict turn warnings into failures
     */
    public CheckReport run(Optional<Arch> arch, boolean strict) throws HostCheckException {
        CpuInfo cpu = readCpuInfo();
        Arch detected = arch.or(cpu::detectArch).orElseThrow(() -> new HostCheckException(
                "cannot tell the architecture from " + root.resolve("/proc/cpuinfo") + ": pass --arch"));
        Platform platform = platform(detected, cpu);
        List<Check> checks = ArchTable.checksFor(platform);

        Set<Integer> capabilities = checks.stream()
                .filter(c -> c instanceof KvmExtensionCheck)
                .map(c -> ((KvmExtensionCheck) c).capability())
                .collect(Collectors.toSet());
        Optional<KvmProbeResult> kvm = probe.map(p -> p.probe(root.resolve("/dev/kvm"), capabilities));
        HostContext host = new HostContext(root, cpu, kvm, whyNotProbed);

        List<CheckResult> found = checks.stream().map(check -> evaluate(check, host)).toList();
        List<CheckResult> results = strict ? found.stream().map(CheckResult::strict).toList() : found;
        boolean capable = noFailure(results, CheckStage.HOST);
        boolean canCreate = capable && kvm.isPresent() && noFailure(results, CheckStage.KVM);
        // --strict changes the verdict, not which hypervisor works.
        HypervisorChoice hypervisor = chooseHypervisor(platform, checks, found, kvm.isPresent());
        return new CheckReport(detected, platform, root.root().toString(), strict, kvm.isPresent(), capable,
                canCreate, hypervisor, results);
    }

    private CpuInfo readCpuInfo() throws HostCheckException {
        Path file = root.resolve("/proc/cpuinfo");
        try {
            String text = root.read("/proc/cpuinfo")
                    .orElseThrow(() -> new HostCheckException(
                            file + " does not exist: is --host-root a root directory?"));
            if (text.isBlank()) {
                throw new HostCheckException(file + " is empty: cannot determine CPU details");
            }
            return new CpuInfo(text);
        } catch (IOException e) {
            throw new HostCheckException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** On x86_64 the vendor decides between VT-x and AMD-V checks; other architectures have one platform each. */
    private static Platform platform(Arch arch, CpuInfo cpu) throws HostCheckException {
        return switch (arch) {
            case X86_64 -> {
                String vendor = cpu.field("vendor_id").orElse("");
                yield switch (vendor) {
                    case "GenuineIntel" -> Platform.INTEL;
                    case "AuthenticAMD" -> Platform.AMD;
                    default -> throw new HostCheckException("unknown x86_64 CPU vendor '" + vendor
                            + "' in /proc/cpuinfo: Kata Containers supports GenuineIntel and AuthenticAMD");
                };
            }
            case ARM64 -> Platform.ARM64;
            case PPC64LE -> Platform.POWER;
            case S390X -> Platform.S390X;
            case RISCV64 -> Platform.RISCV64;
        };
    }

    /** A check that cannot read the host root fails, saying what it could not read. */
    private static CheckResult evaluate(Check check, HostContext host) {
        try {
            return check.evaluate(host);
        } catch (IOException e) {
            return check.result(CheckStatus.FAIL, "cannot read the host root: " + e);
        }
    }

    private static boolean noFailure(List<CheckResult> results, CheckStage stage) {
        return results.stream().noneMatch(r -> r.stage() == stage && r.status() == CheckStatus.FAIL);
    }

    /**
     * Builtin where KVM is backed by hardware and offers what the VMM calls (x86_64 only), QEMU with KVM where
     * KVM works otherwise, QEMU with TCG where there is no usable KVM. Warnings rule out nothing but the built-in VMM
     * (a missing extension).
     */
    private static HypervisorChoice chooseHypervisor(Platform platform, List<Check> checks, List<CheckResult> results,
                                                     boolean probed) {
        List<String> noKvm = names(checks, results, Role.ACCELERATION, Set.of(CheckStatus.FAIL));
        if (!noKvm.isEmpty()) {
            return HypervisorChoice.qemuTcg("no usable KVM (failed: " + String.join(", ", noKvm)
                    + "); guests run unaccelerated, much slower");
        }
        if (platform.arch() != Arch.X86_64) {
            return HypervisorChoice.qemuKvm("the built-in VMM supports x86_64 only");
        }
        List<String> missing = names(checks, results, Role.BUILTIN_VMM, Set.of(CheckStatus.WARN, CheckStatus.FAIL));
        if (!missing.isEmpty()) {
            return HypervisorChoice.qemuKvm("KVM lacks what the built-in VMM needs (" + String.join(", ", missing)
                    + ")");
        }
        return HypervisorChoice.builtin(probed
                ? "hardware virtualization works and KVM offers every extension the built-in VMM needs"
                : "hardware virtualization is available (run as root to confirm with KVM ioctls)");
    }

    /** Names of the checks of a role that ended in one of {@code statuses}; results are in the order of checks. */
    private static List<String> names(List<Check> checks, List<CheckResult> results, Role role,
                                      Set<CheckStatus> statuses) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            if (checks.get(i).role() == role && statuses.contains(results.get(i).status())) {
                names.add(results.get(i).name());
            }
        }
        return names;
    }
}
