package io.katacontainers.runtime.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.runtime.config.HostLimits;
import io.katacontainers.runtime.shim.PodAnnotations;

import java.util.Map;
import java.util.Optional;

/**
 * What a pod's workload asks of its VM, by Kata's rules ({@code static_sandbox_resource_mgmt}): for a pod's
 * sandbox container, the sum of its containers' resources that the CRI runtime puts on it (containerd's
 * {@code io.kubernetes.cri.sandbox-cpu-quota}/{@code -cpu-period}/{@code -memory}, CRI-O's
 * {@code pod-linux-resources.crio.io} JSON, formerly {@code io.kubernetes.cri-o.PodLinuxResources}); for a single
 * container (Docker, Podman, {@code ctr run}, {@code kata-runtime run}), its own limits. CPUs are quota / period (a
 * fraction; none when the quota is unlimited), memory the limit in MiB (none when negative). With static
 * management they are added to {@code default_vcpus} (the sum rounded up) and {@code default_memory} before the VM
 * boots, as Kata does; this runtime does not hot-plug, so without it the VM keeps the configured size.
 *
 * @param cpus the workload's CPUs, a fraction
 * @param memoryMiB the workload's memory
 */
public record SandboxSizing(double cpus, long memoryMiB) {
    public static final SandboxSizing NONE = new SandboxSizing(0, 0);
    public static final String CRI_CPU_QUOTA = "io.kubernetes.cri.sandbox-cpu-quota";
    public static final String CRI_CPU_PERIOD = "io.kubernetes.cri.sandbox-cpu-period";
    public static final String CRI_CPU_SHARES = "io.kubernetes.cri.sandbox-cpu-shares";
    public static final String CRI_MEMORY = "io.kubernetes.cri.sandbox-memory";
    public static final String CRIO_POD_RESOURCES = "pod-linux-resources.crio.io";
    public static final String CRIO_POD_RESOURCES_DEPRECATED = "io.kubernetes.cri-o.PodLinuxResources";
    private static final System.Logger LOG = System.getLogger(SandboxSizing.class.getName());
    private static final long MIB = 1024 * 1024;
    private static final double SHARES_PER_CPU = 1024;

    public SandboxSizing {
        if (cpus < 0 || memoryMiB < 0) {
            throw new IllegalArgumentException("a workload size is not negative: " + cpus + " CPUs, " + memoryMiB
                    + " MiB");
        }
    }

    /** The workload of the spec that starts a sandbox. */
    public static SandboxSizing of(Spec spec) {
        Map<String, String> annotations = spec.getAnnotationsMap();
        if (PodAnnotations.isSandbox(annotations)) {
            return ofPod(annotations);
        }
        var resources = spec.getLinux().getResources();
        return of(resources.getCPU().getQuota(), resources.getCPU().getPeriod(), resources.getMemory().getLimit());
    }

    /** The pod's size from the sandbox container's annotations: containerd's, else CRI-O's; none without them. */
    static SandboxSizing ofPod(Map<String, String> annotations) {
        if (annotations.containsKey(CRI_CPU_QUOTA) || annotations.containsKey(CRI_CPU_PERIOD)
                || annotations.containsKey(CRI_MEMORY)) {
            long quota = number(annotations, CRI_CPU_QUOTA);
            long period = number(annotations, CRI_CPU_PERIOD);
            SandboxSizing sized = of(quota, period, number(annotations, CRI_MEMORY));
            long shares = number(annotations, CRI_CPU_SHARES);
            // kubelet's static CPU manager: no quota (-1), the CPUs are a cpuset; their count is in the shares.
            if (quota < 0 && sized.cpus() == 0 && shares > 0) {
                return new SandboxSizing(Math.ceil(shares / SHARES_PER_CPU), sized.memoryMiB());
            }
            return sized;
        }
        Optional<String> crio = Optional.ofNullable(annotations.get(CRIO_POD_RESOURCES))
                .or(() -> Optional.ofNullable(annotations.get(CRIO_POD_RESOURCES_DEPRECATED)));
        if (crio.isEmpty()) {
            return NONE;
        }
        try {
            JsonNode resources = new ObjectMapper().readTree(crio.get());
            return of(resources.path("cpu_quota").asLong(0), resources.path("cpu_period").asLong(0),
                    resources.path("memory_limit_in_bytes").asLong(0));
        } catch (java.io.IOException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox sizing: {0} is not JSON ({1}): not sizing the VM from it",
                    CRIO_POD_RESOURCES, e.getMessage());
            return NONE;
        }
    }

    /** Kata's calculation: CPUs quota / period when both are set and the quota is not unlimited; memory in MiB. */
    static SandboxSizing of(long quota, long period, long memoryBytes) {
        double cpus = quota >= 0 && period > 0 ? (double) quota / period : 0;
        return new SandboxSizing(cpus, Math.max(0, memoryBytes) / MIB);
    }

    /** A value Kata cannot parse counts as 0, with a warning, as in Kata. */
    private static long number(Map<String, String> annotations, String key) {
        String value = annotations.get(key);
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox sizing: cannot parse {0}={1}: counting it as 0", key,
                    value);
            return 0;
        }
    }

    /**
     * Refuses a workload no VM of this host can hold (the VM would get more CPUs or memory than the host has),
     * naming where the size came from in {@code spec}.
     *
     * @throws IllegalArgumentException naming the annotation or spec field and the host's limit
     */
    public SandboxSizing checkFits(HostLimits host, Spec spec) {
        if (cpus > host.cpus() || memoryMiB > host.memoryMiB()) {
            throw new IllegalArgumentException(sourceOf(spec) + " asks for " + cpus + " CPUs and " + memoryMiB
                    + " MiB for the VM, more than the host's " + host.cpus() + " CPUs and " + host.memoryMiB()
                    + " MiB: lower the pod's resources");
        }
        return this;
    }

    /** Where {@link #of(Spec)} reads the workload's size in {@code spec}, for error messages. */
    static String sourceOf(Spec spec) {
        Map<String, String> annotations = spec.getAnnotationsMap();
        if (!PodAnnotations.isSandbox(annotations)) {
            return "the spec's linux.resources (cpu quota/period, memory limit)";
        }
        if (annotations.containsKey(CRI_CPU_QUOTA) || annotations.containsKey(CRI_CPU_PERIOD)
                || annotations.containsKey(CRI_MEMORY)) {
            return "the annotations " + CRI_CPU_QUOTA + "=" + annotations.getOrDefault(CRI_CPU_QUOTA, "") + ", "
                    + CRI_CPU_PERIOD + "=" + annotations.getOrDefault(CRI_CPU_PERIOD, "") + ", " + CRI_MEMORY + "="
                    + annotations.getOrDefault(CRI_MEMORY, "");
        }
        return "the annotation " + (annotations.containsKey(CRIO_POD_RESOURCES) ? CRIO_POD_RESOURCES
                : CRIO_POD_RESOURCES_DEPRECATED);
    }

    /** The VM of {@code base} with the workload added: vCPUs rounded up after the sum, memory in MiB. */
    public VmSpec addTo(VmSpec base) {
        if (equals(NONE)) {
            return base;
        }
        int vcpus = (int) Math.ceil(base.vcpus() + cpus);
        return base.withSize(Math.max(1, vcpus), base.memoryMiB() + memoryMiB);
    }
}
