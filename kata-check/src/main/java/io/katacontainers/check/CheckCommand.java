package io.katacontainers.check;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code kata-runtime check}: tests if the system can run Kata Containers. */
@Command(name = "check", aliases = "kata-check", mixinStandardHelpOptions = true,
        description = {
                "Tests if the system can run Kata Containers.",
                "",
                "Without root only files are read (/proc/cpuinfo, /sys/module, /dev/kvm). As root, and when the host "
                        + "root is /, /dev/kvm is also opened: API version, creation of a test VM, and the KVM "
                        + "extensions the built-in VMM needs. Nothing on the host is changed: missing modules are "
                        + "reported with the command that loads them, not loaded.",
                "",
                "Exit status: 0 when the system is capable (and, as root, a VM can be created), 1 otherwise."},
        footer = {
                "",
                "Examples:",
                "  kata-runtime check                 basic checks",
                "  sudo kata-runtime check --verbose  all checks, including /dev/kvm ioctls, with reasons",
                "  kata-runtime check --json          machine-readable report",
                "  kata-runtime check --host-root /mnt/other --arch arm64   inspect another system's files"})
public final class CheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "List every check performed, with its result and reason.")
    private boolean verbose;

    @Option(names = {"-s", "--strict"}, description = "Perform strict checking: warnings (such as a missing "
            + "optional module) count as failures.")
    private boolean strict;

    @Option(names = "--json", description = "Print the report as JSON.")
    private boolean json;

    @Option(names = {"-n", "--no-network-checks"}, description = "Accepted for compatibility with Kata; this "
            + "implementation performs no network checks (no release-version lookup).")
    private boolean noNetworkChecks; // Accepted so that Kata's scripts keep working; there is nothing to turn off.

    @Option(names = "--host-root", paramLabel = "DIR", defaultValue = "/", description = "For testing and "
            + "inspection: read proc/, sys/, dev/ and lib/modules/ under DIR instead of / (default: ${DEFAULT-VALUE}). "
            + "/dev/kvm is only opened when DIR is /.")
    private Path hostRoot;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Architecture to check for: x86_64, arm64, ppc64le, "
            + "s390x or riscv64 (default: detected from the host root's /proc/cpuinfo).")
    private String arch;

    /** The command as kata-runtime registers it: /dev/kvm is probed through kata-native. */
    public CheckCommand() {
        // Options are injected by picocli.
    }

    @Override
    public Integer call() throws IOException {
        Optional<Arch> wanted = Optional.ofNullable(arch).map(name -> Arch.parse(name).orElseThrow(() ->
                new ParameterException(spec.commandLine(), "unknown --arch '" + name
                        + "': expected x86_64, arm64, ppc64le, s390x or riscv64")));
        if (!Files.isDirectory(hostRoot)) {
            throw new ParameterException(spec.commandLine(), "--host-root " + hostRoot + " is not a directory");
        }
        CheckReport report;
        try {
            report = checker().run(wanted, strict);
        } catch (HostCheckException e) {
            spec.commandLine().getErr().println("ERROR: " + e.getMessage());
            return 1;
        }
        ReportWriter writer = new ReportWriter();
        if (json) {
            writer.writeJson(report, spec.commandLine().getOut());
        } else {
            writer.writeText(report, verbose, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        return report.exitCode();
    }

    /** Like Kata, /dev/kvm is probed only as root; and only on the live system, whose device we can open. */
    private HostChecker checker() throws IOException {
        if (!Files.isSameFile(hostRoot, Path.of("/"))) {
            return HostChecker.withoutKvmProbe(hostRoot, "the host root is not /, so its /dev/kvm is not opened");
        }
        if (!effectiveUidIsRoot()) {
            return HostChecker.withoutKvmProbe(hostRoot, "not root: run 'sudo kata-runtime check' to test /dev/kvm");
        }
        return HostChecker.withKvmProbe(hostRoot, new NativeKvmProbe());
    }

    /** The "Uid:" line of /proc/self/status lists real, effective, saved and filesystem uid. */
    private static boolean effectiveUidIsRoot() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("Uid:"))
                .map(line -> line.split("\\s+")[2])
                .findFirst()
                .orElseThrow(() -> new IOException("/proc/self/status has no Uid line"))
                .equals("0");
    }
}
