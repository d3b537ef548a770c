package io.katacontainers.hypervisor.kvm.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a snapshot may be restored: the same build of the VMM (the state layout and device models are this build's),
 * the same host kernel (KVM's state structs and the MSRs it saves are the kernel's) and the same CPU model (the
 * saved CPUID and XSAVE layout are the CPU's), and the same guest (the caller's fingerprint of the guest kernel and
 * initrd it boots, so a template of an older guest is not used after the guest changed).
 *
 * @param build      e.g. the runtime's version and commit
 * @param hostKernel the host kernel release ({@code uname -r})
 * @param cpu        the host CPU's vendor, family, model and stepping
 * @param guest      the caller's fingerprint of the guest image (free form, may be empty)
 */
public record SnapshotIdentity(String build, String hostKernel, String cpu, String guest) {
    private static final Path OS_RELEASE = Path.of("/proc/sys/kernel/osrelease");
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public SnapshotIdentity {
        Objects.requireNonNull(build, "build");
        Objects.requireNonNull(hostKernel, "hostKernel");
        Objects.requireNonNull(cpu, "cpu");
        Objects.requireNonNull(guest, "guest");
    }

    /** This host's identity for {@code build} and {@code guest}: the running kernel and the first CPU's model. */
    public static SnapshotIdentity ofHost(String build, String guest) throws IOException {
        return new SnapshotIdentity(build, Files.readString(OS_RELEASE).strip(), cpuModel(Files.readAllLines(CPUINFO)),
                guest);
    }

    /** "vendor family/model/stepping model name" of the first processor in {@code /proc/cpuinfo}'s lines. */
    static String cpuModel(List<String> cpuinfo) {
        Map<String, String> first = new LinkedHashMap<>();
        for (String line : cpuinfo) {
            if (line.isBlank() && !first.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                first.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return first.getOrDefault("vendor_id", "?") + " " + first.getOrDefault("cpu family", "?") + "/"
                + first.getOrDefault("model", "?") + "/" + first.getOrDefault("stepping", "?") + " "
                + first.getOrDefault("model name", "?");
    }

    /** The first field in which {@code found} (a snapshot's) differs from this one, as the exception to throw. */
    SnapshotException.Foreign mismatch(SnapshotIdentity found) {
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] {"build", found.build, build});
        fields.add(new String[] {"host kernel", found.hostKernel, hostKernel});
        fields.add(new String[] {"cpu", found.cpu, cpu});
        fields.add(new String[] {"guest", found.guest, guest});
        for (String[] f : fields) {
            if (!f[1].equals(f[2])) {
                return new SnapshotException.Foreign(f[0], f[1], f[2]);
            }
        }
        return null;
    }
}
