package io.katacontainers.api.config;

import java.util.List;

/**
 * The keys every {@code [hypervisor.*]} section has; drivers switch over the permitted records for the rest.
 * Values are as written in the file; {@link #vcpus(int)} and {@link #maxVcpus(int)} apply Kata's rules for 0 and
 * out-of-range counts.
 */
public sealed interface HypervisorConfig permits QemuConfig, BuiltinConfig {

    /** The section's name after {@code hypervisor.}: {@code qemu} or {@code builtin}. */
    String hypervisorName();

    /** {@code kernel}: Guest kernel: an uncompressed vmlinux (PVH ELF) or a bzImage. */
    String kernel();

    /**
     * {@code initrd}: Guest initrd; exclusive with {@code image}: a file that sets {@code image} but not {@code initrd}
     * gets no initrd.
     */
    String initrd();

    /** {@code image}: Guest root filesystem image; exclusive with {@code initrd}. */
    String image();

    /** {@code rootfs_type}: File system of {@code image}: ext4, xfs or erofs. */
    String rootfsType();

    /** {@code kernel_params}: Extra guest kernel parameters, space separated; they win over the runtime's own. */
    String kernelParams();

    /** {@code enable_annotations}: Patterns of hypervisor keys that pod annotations may override. */
    List<String> enableAnnotations();

    /**
     * {@code default_vcpus}: vCPUs at boot: 0 means 1, negative or more than the host has means all host CPUs;
     * fractions are rounded up.
     */
    double defaultVcpus();

    /** {@code default_maxvcpus}: vCPU limit for hotplug: 0 or more than the host has means the host's CPU count. */
    int defaultMaxvcpus();

    /** {@code default_memory}: Guest memory at boot, MiB (at least 256). */
    int defaultMemory();

    /** {@code memory_slots}: Memory hotplug slots: how many times memory can be added. */
    int memorySlots();

    /** {@code default_maxmemory}: Memory limit for hotplug, MiB: 0 or more than the host has means the host's RAM. */
    long defaultMaxmemory();

    /** {@code block_device_driver}: Driver for block-device-backed container root file systems. */
    String blockDeviceDriver();

    /**
     * {@code disable_block_device_use}: Never hot plug host block devices for container rootfs; share them with
     * virtio-fs instead.
     */
    boolean disableBlockDeviceUse();

    /** {@code shared_fs}: How container files reach the guest. */
    String sharedFs();

    /** {@code virtio_fs_daemon}: The vhost-user-fs daemon (virtiofsd). */
    String virtioFsDaemon();

    /** {@code valid_virtio_fs_daemon_paths}: Globs an annotation may set {@code virtio_fs_daemon} to. */
    List<String> validVirtioFsDaemonPaths();

    /** {@code virtio_fs_cache}: virtiofsd cache mode. */
    String virtioFsCache();

    /** {@code virtio_fs_queue_size}: virtio-fs virtqueue size. */
    int virtioFsQueueSize();

    /** {@code virtio_fs_extra_args}: Extra virtiofsd arguments. */
    List<String> virtioFsExtraArgs();

    /** {@code enable_mem_prealloc}: Allocate and lock all guest memory up front. */
    boolean enableMemPrealloc();

    /** {@code enable_hugepages}: Back guest memory with huge pages (implies preallocation). */
    boolean enableHugepages();

    /** {@code enable_debug}: Hypervisor and guest kernel debug output. */
    boolean enableDebug();

    /** {@code disable_nesting_checks}: Behave as on bare metal even when running inside a VM. */
    boolean disableNestingChecks();

    /** {@code entropy_source}: Host entropy source behind the guest's virtio-rng. */
    String entropySource();

    /** {@code valid_entropy_sources}: Values an annotation may set {@code entropy_source} to. */
    List<String> validEntropySources();

    /** {@code guest_hook_path}: Directory of OCI hooks inside the guest rootfs; empty disables them. */
    String guestHookPath();

    /** {@code rx_rate_limiter_max_rate}: Inbound network rate limit, bits/s; 0 is unlimited. */
    long rxRateLimiterMaxRate();

    /** {@code tx_rate_limiter_max_rate}: Outbound network rate limit, bits/s; 0 is unlimited. */
    long txRateLimiterMaxRate();

    /** {@code disable_selinux}: Do not apply SELinux to the VMM process. */
    boolean disableSelinux();

    /**
     * The vCPUs to boot with, by Kata's rule for {@code default_vcpus}: 0 means 1; a negative count, or one above
     * the host's, means the host's; a fraction is rounded up.
     */
    default int vcpus(int hostCpus) {
        double wanted = defaultVcpus();
        if (wanted < 0 || wanted > hostCpus) {
            return hostCpus;
        }
        return wanted == 0 ? 1 : (int) Math.ceil(wanted);
    }

    /**
     * The vCPU limit, by Kata's rule for {@code default_maxvcpus}: 0, or a count at or above the host's, means the
     * host's. The driver still caps it at what its VMM supports.
     */
    default int maxVcpus(int hostCpus) {
        int wanted = defaultMaxvcpus();
        return wanted == 0 || wanted >= hostCpus ? hostCpus : wanted;
    }
}
