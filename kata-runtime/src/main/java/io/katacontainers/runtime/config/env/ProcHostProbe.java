package io.katacontainers.runtime.config.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Reads host facts from files below a root, the way Kata's {@code env} does; a value that cannot be read is
 * reported as {@value EnvReport#UNKNOWN}, as Kata does, and logged.
 *
 * @param root     "/" for the real host, a fixture directory in tests
 * @param cpus     the CPU count to report
 * @param javaArch {@code os.arch}, translated to Go's names
 */
record ProcHostProbe(Path root, int cpus, String javaArch) implements HostProbe {

    private static final System.Logger LOG = System.getLogger(ProcHostProbe.class.getName());
    /** Java and Go agree except for these. */
    private static final Map<String, String> GO_ARCH = Map.of("aarch64", "arm64", "x86_64", "amd64");
    private static final Set<String> VIRT_FLAGS = Set.of("vmx", "svm");

    @Override
    public HostInfo probe() {
        List<String> cpuinfo = lines("proc/cpuinfo");
        List<String> osRelease = lines("etc/os-release");
        if (osRelease.isEmpty()) {
            osRelease = lines("usr/lib/os-release");
        }
        List<String> meminfo = lines("proc/meminfo");
        String kernel = lines("proc/version").stream().findFirst()
                .map(line -> line.split("\\s+"))
                .filter(fields -> fields.length >= 3)
                .map(fields -> fields[2])
                .orElse(EnvReport.UNKNOWN);
        return new HostInfo(
                kernel,
                GO_ARCH.getOrDefault(javaArch, javaArch),
                osRelease(osRelease, "NAME"),
                osRelease(osRelease, "VERSION_ID"),
                cpuField(cpuinfo, "vendor_id"),
                cpuField(cpuinfo, "model name"),
                cpus,
                memKib(meminfo, "MemTotal"),
                memKib(meminfo, "MemFree"),
                memKib(meminfo, "MemAvailable"),
                vmContainerCapable(cpuinfo),
                Files.exists(root.resolve("dev/vhost-vsock")));
    }

    /**
     * Hardware virtualisation (VT-x or AMD-V in the CPU flags) and /dev/kvm: the core of Kata's test. A host with
     * /dev/kvm but neither flag (such as a PVM host) is not capable: stock guest kernels do not boot there.
     * {@code kata-runtime check} gives the full answer with reasons.
     */
    private boolean vmContainerCapable(List<String> cpuinfo) {
        boolean virtFlag = field(cpuinfo, "flags")
                .map(flags -> Set.of(flags.split("\\s+")))
                .filter(flags -> flags.stream().anyMatch(VIRT_FLAGS::contains))
                .isPresent();
        return virtFlag && Files.exists(root.resolve("dev/kvm"));
    }

    private static String cpuField(List<String> cpuinfo, String name) {
        return field(cpuinfo, name).orElse(EnvReport.UNKNOWN);
    }

    /** The first "name : value" line of /proc/cpuinfo. */
    private static Optional<String> field(List<String> cpuinfo, String name) {
        return cpuinfo.stream()
                .filter(line -> line.startsWith(name) && line.indexOf(':') > 0
                        && line.substring(0, line.indexOf(':')).trim().equals(name))
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .findFirst();
    }

    private static String osRelease(List<String> lines, String name) {
        return lines.stream()
                .filter(line -> line.startsWith(name + "="))
                .map(line -> line.substring(name.length() + 1).replace("\"", "").strip())
                .findFirst()
                .orElse(EnvReport.UNKNOWN);
    }

    private static long memKib(List<String> meminfo, String name) {
        Predicate<String> named = line -> line.startsWith(name + ":");
        return meminfo.stream().filter(named)
                .map(line -> line.substring(name.length() + 1).replace("kB", "").strip())
                .mapToLong(Long::parseLong)
                .findFirst()
                .orElse(0);
    }

    private List<String> lines(String relative) {
        Path file = root.resolve(relative);
        try {
            return Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            // Expected: e.g. /usr/lib/os-release is only a fallback. The field then reads as unknown.
            return List.of();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot read " + file, e);
            return List.of();
        }
    }
}
