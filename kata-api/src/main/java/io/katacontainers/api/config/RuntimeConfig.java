package io.katacontainers.api.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [runtime]}: the runtime (shim and {@code kata-runtime}).
 *
 * @param enableDebug {@code enable_debug}: Runtime debug logging.
 * @param hypervisorName {@code hypervisor_name}: Which [hypervisor.*] table to use when there are several (Kata
 *       runtime-rs's key); empty means the only one present.
 * @param internetworkingModel {@code internetworking_model}: How the VM is connected to the container's network
 *       interface.
 * @param disableGuestSeccomp {@code disable_guest_seccomp}: Do not apply container seccomp profiles inside the guest.
 * @param enableVcpusPinning {@code enable_vcpus_pinning}: Pin each vCPU thread to one CPU of the sandbox's cpuset.
 * @param guestSelinuxLabel {@code guest_selinux_label}: SELinux label for container processes in the guest.
 * @param enableTracing {@code enable_tracing}: Runtime OpenTelemetry tracing.
 * @param jaegerEndpoint {@code jaeger_endpoint}: Jaeger collector URL; empty means http://localhost:14268/api/traces.
 * @param jaegerUser {@code jaeger_user}: Jaeger basic-auth user.
 * @param jaegerPassword {@code jaeger_password}: Jaeger basic-auth password.
 * @param disableNewNetns {@code disable_new_netns}: Keep shim and VMM in the host network namespace (needs
 *       internetworking_model "none").
 * @param sandboxCgroupOnly {@code sandbox_cgroup_only}: Put all of a sandbox's processes in one cgroup, without
 *       per-container host cgroups.
 * @param staticSandboxResourceMgmt {@code static_sandbox_resource_mgmt}: Size the VM before boot from the pod's limits
 *       and never hot plug CPU or memory.
 * @param sandboxBindMounts {@code sandbox_bind_mounts}: Host paths bind mounted read-only into the sandbox's shared
 *       directory.
 * @param vfioMode {@code vfio_mode}: How VFIO devices appear in containers.
 * @param disableGuestEmptyDir {@code disable_guest_empty_dir}: Create emptyDir volumes on the host and share them,
 *       instead of in the guest.
 * @param emptydirMode {@code emptydir_mode}: How Kubernetes emptyDir volumes are provided.
 * @param experimental {@code experimental}: Experimental features to enable.
 * @param enablePprof {@code enable_pprof}: Profiling endpoint through kata-monitor.
 * @param createContainerTimeout {@code create_container_timeout}: CreateContainer request timeout, seconds.
 * @param danConf {@code dan_conf}: Directory of directly attachable network configurations.
 * @param kubeletRootDir {@code kubelet_root_dir}: Kubelet root directory, to recognise ConfigMap and Secret volumes.
 * @param podResourceApiSock {@code pod_resource_api_sock}: Kubelet PodResources socket for VFIO cold plug; empty
 *       disables.
 */
public record RuntimeConfig(
        boolean enableDebug,
        String hypervisorName,
        String internetworkingModel,
        boolean disableGuestSeccomp,
        boolean enableVcpusPinning,
        String guestSelinuxLabel,
        boolean enableTracing,
        String jaegerEndpoint,
        String jaegerUser,
        String jaegerPassword,
        boolean disableNewNetns,
        boolean sandboxCgroupOnly,
        boolean staticSandboxResourceMgmt,
        List<String> sandboxBindMounts,
        String vfioMode,
        boolean disableGuestEmptyDir,
        String emptydirMode,
        List<String> experimental,
        boolean enablePprof,
        long createContainerTimeout,
        String danConf,
        String kubeletRootDir,
        String podResourceApiSock) {

    public RuntimeConfig {
        Objects.requireNonNull(hypervisorName, "hypervisor_name");
        Objects.requireNonNull(internetworkingModel, "internetworking_model");
        Objects.requireNonNull(guestSelinuxLabel, "guest_selinux_label");
        Objects.requireNonNull(jaegerEndpoint, "jaeger_endpoint");
        Objects.requireNonNull(jaegerUser, "jaeger_user");
        Objects.requireNonNull(jaegerPassword, "jaeger_password");
        sandboxBindMounts = List.copyOf(Objects.requireNonNull(sandboxBindMounts, "sandbox_bind_mounts"));
        Objects.requireNonNull(vfioMode, "vfio_mode");
        Objects.requireNonNull(emptydirMode, "emptydir_mode");
        experimental = List.copyOf(Objects.requireNonNull(experimental, "experimental"));
        Objects.requireNonNull(danConf, "dan_conf");
        Objects.requireNonNull(kubeletRootDir, "kubelet_root_dir");
        Objects.requireNonNull(podResourceApiSock, "pod_resource_api_sock");
    }

    /** Every key at its default, as for an absent or empty {@code [runtime]} table. */
    public static RuntimeConfig defaults() {
        return ConfigSchema.RUNTIME.defaults();
    }
}
