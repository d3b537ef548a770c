package io.katacontainers.runtime.config.env;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code kata-runtime env} report: Kata's sections and field names (its EnvInfo, format 1.0.27) in Kata's order,
 * so that tools reading Kata's output read ours, plus two additions those tools ignore:
 * {@code Runtime.Config.Fragments}/{@code Warnings}, and a {@code Configuration} table holding the effective
 * settings under the configuration file's own table and key names.
 *
 * <p>The report is a tree of ordered maps whose leaves are strings, numbers, booleans and lists of strings, ready for
 * Jackson or {@link TomlWriter}.
 */
public final class EnvReport {

    /** Kata's placeholder for a value it could not find. */
    public static final String UNKNOWN = "<<unknown>>";
    /** The version of Kata's env format that this layout follows. */
    public static final String FORMAT_VERSION = "1.0.27";

    private static final Pattern SEMVER = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)(?:[-+].*)?");

    private EnvReport() {
    }

    /**
     * @param config            the loaded configuration
     * @param host              facts about this host
     * @param hypervisorVersion what the hypervisor says its version is
     * @param runtime           this runtime's version
     * @param runtimePath       the running executable
     */
    public static Map<String, Object> of(KataConfig config, HostInfo host, String hypervisorVersion,
                                         RuntimeVersion runtime, String runtimePath) {
        HypervisorConfig hv = config.hypervisor();
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("Kernel", map("Path", hv.kernel(), "Parameters", String.join(" ", hv.kernelParams().split("\\s+"))
                .strip()));
        env.put("Meta", map("Version", FORMAT_VERSION));
        env.put("Image", map("Path", hv.image()));
        env.put("Initrd", map("Path", hv.initrd()));
        env.put("Hypervisor", hypervisor(hv, hypervisorVersion));
        env.put("Runtime", runtime(config, runtime, runtimePath));
        env.put("Host", host(host));
        env.put("Agent", map("Debug", config.agent().enableDebug(), "Trace", config.agent().enableTracing()));
        env.put("Configuration", config.settings());
        return env;
    }

    /** The {@code [Hypervisor]} fields that only some hypervisor sections have keys for. */
    private record VmmFields(String machineType, String path, String socketPath, int msize9p, String hotPlugVfio,
                             String coldPlugVfio, int pcieRootPort, int pcieSwitchPort, boolean rootless,
                             boolean disableSeccomp, boolean confidentialGuest) {

        static VmmFields of(HypervisorConfig hv) {
            return switch (hv) {
                // QEMU's vsock is vhost-vsock, which has no socket path (Kata reports "" too).
                case QemuConfig q -> new VmmFields(q.machineType(), q.path(), "", q.msize9p(), q.hotPlugVfio(),
                        q.coldPlugVfio(), q.pcieRootPort(), q.pcieSwitchPort(), q.rootless(), q.disableSeccomp(),
                        q.confidentialGuest());
                // In-process, no PCI, no 9p: the values Kata reports for VMMs without these keys. The hybrid-vsock
                // socket path is chosen by the built-in VMM per sandbox.
                case BuiltinConfig ignored -> new VmmFields("", "", UNKNOWN, 0, "no-port", "no-port", 0, 0, false,
                        false, false);
            };
        }
    }

    private static Map<String, Object> hypervisor(HypervisorConfig hv, String version) {
        VmmFields vmm = VmmFields.of(hv);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("MachineType", vmm.machineType());
        out.put("Version", version);
        out.put("Path", vmm.path());
        out.put("BlockDeviceDriver", hv.blockDeviceDriver());
        out.put("EntropySource", hv.entropySource());
        out.put("SharedFS", hv.sharedFs());
        out.put("VirtioFSDaemon", hv.virtioFsDaemon());
        out.put("SocketPath", vmm.socketPath());
        out.put("Msize9p", vmm.msize9p());
        out.put("MemorySlots", hv.memorySlots());
        out.put("HotPlugVFIO", vmm.hotPlugVfio());
        out.put("ColdPlugVFIO", vmm.coldPlugVfio());
        out.put("PCIeRootPort", vmm.pcieRootPort());
        out.put("PCIeSwitchPort", vmm.pcieSwitchPort());
        out.put("Debug", hv.enableDebug());
        out.put("SecurityInfo", map(
                "Rootless", vmm.rootless(),
                "DisableSeccomp", vmm.disableSeccomp(),
                "GuestHookPath", hv.guestHookPath(),
                "EnableAnnotations", hv.enableAnnotations(),
                "ConfidentialGuest", vmm.confidentialGuest()));
        return out;
    }

    private static Map<String, Object> runtime(KataConfig config, RuntimeVersion version, String path) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Config", map(
                "Path", config.file().toString(),
                "Fragments", config.fragments().stream().map(Path::toString).toList(),
                "Warnings", config.warnings().stream().map(ConfigIssue::toString).toList()));
        out.put("Path", path);
        out.put("GuestSeLinuxLabel", config.runtime().guestSelinuxLabel());
        out.put("Experimental", config.runtime().experimental());
        Matcher semver = SEMVER.matcher(version.semver());
        boolean parsed = semver.matches();
        out.put("Version", map(
                "OCI", version.ociSpec(),
                "Version", map(
                        "Semver", version.semver(),
                        "Commit", version.commit(),
                        "Major", parsed ? Integer.parseInt(semver.group(1)) : 0,
                        "Minor", parsed ? Integer.parseInt(semver.group(2)) : 0,
                        "Patch", parsed ? Integer.parseInt(semver.group(3)) : 0)));
        out.put("Debug", config.runtime().enableDebug());
        out.put("Trace", config.runtime().enableTracing());
        out.put("DisableGuestSeccomp", config.runtime().disableGuestSeccomp());
        out.put("DisableNewNetNs", config.runtime().disableNewNetns());
        // How the pod's veths reach the VM ("tcfilter" or "none"; "macvtap" is refused when loading).
        out.put("InternetworkingModel", config.runtime().internetworkingModel());
        out.put("SandboxCgroupOnly", config.runtime().sandboxCgroupOnly());
        return out;
    }

    private static Map<String, Object> host(HostInfo host) {
        Map<String, Object> out = new LinkedHashMap<>();
        // Confidential guests (TDX, SEV, SE) are not supported, so none is ever available.
        out.put("AvailableGuestProtections", List.of());
        out.put("Kernel", host.kernel());
        out.put("Architecture", host.architecture());
        out.put("Distro", map("Name", host.distroName(), "Version", host.distroVersion()));
        out.put("CPU", map("Vendor", host.cpuVendor(), "Model", host.cpuModel(), "CPUs", host.cpus()));
        out.put("Memory", map("Total", host.memTotalKib(), "Free", host.memFreeKib(),
                "Available", host.memAvailableKib()));
        out.put("VMContainerCapable", host.vmContainerCapable());
        out.put("SupportVSocks", host.supportVsocks());
        return out;
    }

    /** An ordered map from alternating names and values. */
    private static Map<String, Object> map(Object... namesAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }
}
