package io.katacontainers.api.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [hypervisor.builtin]}: the built-in KVM VMM, which runs inside the shim process. Its keys are the subset
 * of Kata's that applies to a virtio-mmio VMM with no PCI and no executable of its own, as in Kata's firecracker and
 * dragonball sections.
 *
 * @param kernel {@code kernel}: Guest kernel: an uncompressed vmlinux (PVH ELF) or a bzImage.
 * @param initrd {@code initrd}: Guest initrd; exclusive with {@code image}: a file that sets {@code image} but not
 *       {@code initrd} gets no initrd.
 * @param image {@code image}: Guest root filesystem image; exclusive with {@code initrd}.
 * @param rootfsType {@code rootfs_type}: File system of {@code image}: ext4, xfs or erofs.
 * @param kernelParams {@code kernel_params}: Extra guest kernel parameters, space separated; they win over the
 *       runtime's own.
 * @param enableAnnotations {@code enable_annotations}: Patterns of hypervisor keys that pod annotations may override.
 * @param defaultVcpus {@code default_vcpus}: vCPUs at boot: 0 means 1, negative or more than the host has means all
 *       host CPUs; fractions are rounded up.
 * @param defaultMaxvcpus {@code default_maxvcpus}: vCPU limit for hotplug: 0 or more than the host has means the
 *       host's CPU count.
 * @param defaultMemory {@code default_memory}: Guest memory at boot, MiB (at least 256).
 * @param memorySlots {@code memory_slots}: Memory hotplug slots: how many times memory can be added.
 * @param defaultMaxmemory {@code default_maxmemory}: Memory limit for hotplug, MiB: 0 or more than the host has means
 *       the host's RAM.
 * @param blockDeviceDriver {@code block_device_driver}: Driver for block-device-backed container root file systems.
 * @param disableBlockDeviceUse {@code disable_block_device_use}: Never hot plug host block devices for container
 *       rootfs; share them with virtio-fs instead.
 * @param sharedFs {@code shared_fs}: How container files reach the guest.
 * @param virtioFsDaemon {@code virtio_fs_daemon}: The vhost-user-fs daemon (virtiofsd).
 * @param validVirtioFsDaemonPaths {@code valid_virtio_fs_daemon_paths}: Globs an annotation may set
 *       {@code virtio_fs_daemon} to.
 * @param virtioFsCache {@code virtio_fs_cache}: virtiofsd cache mode.
 * @param virtioFsQueueSize {@code virtio_fs_queue_size}: virtio-fs virtqueue size.
 * @param virtioFsExtraArgs {@code virtio_fs_extra_args}: Extra virtiofsd arguments.
 * @param enableMemPrealloc {@code enable_mem_prealloc}: Allocate and lock all guest memory up front.
 * @param enableHugepages {@code enable_hugepages}: Back guest memory with huge pages (implies preallocation).
 * @param reclaimGuestFreedMemory {@code reclaim_guest_freed_memory}: Balloon free page reporting (Kata's dragonball
 *       key); the built-in VMM has no balloon device, so the loader reports it as not supported.
 * @param enableDebug {@code enable_debug}: Hypervisor and guest kernel debug output.
 * @param disableNestingChecks {@code disable_nesting_checks}: Behave as on bare metal even when running inside a VM.
 * @param entropySource {@code entropy_source}: Host entropy source behind the guest's virtio-rng.
 * @param validEntropySources {@code valid_entropy_sources}: Values an annotation may set {@code entropy_source} to.
 * @param guestHookPath {@code guest_hook_path}: Directory of OCI hooks inside the guest rootfs; empty disables them.
 * @param rxRateLimiterMaxRate {@code rx_rate_limiter_max_rate}: Inbound network rate limit, bits/s; 0 is unlimited.
 * @param txRateLimiterMaxRate {@code tx_rate_limiter_max_rate}: Outbound network rate limit, bits/s; 0 is unlimited.
 * @param disableSelinux {@code disable_selinux}: Do not apply SELinux to the VMM process.
 * @param disableSeccomp {@code disable_seccomp}: Do not filter the system calls of the VMM's vCPU and device
 *       threads (Kata's key for firecracker, cloud-hypervisor and dragonball).
 */
public record BuiltinConfig(
        String kernel,
        String initrd,
        String image,
        String rootfsType,
        String kernelParams,
        List<String> enableAnnotations,
        double defaultVcpus,
        int defaultMaxvcpus,
        int defaultMemory,
        int memorySlots,
        long defaultMaxmemory,
        String blockDeviceDriver,
        boolean disableBlockDeviceUse,
        String sharedFs,
        String virtioFsDaemon,
        List<String> validVirtioFsDaemonPaths,
        String virtioFsCache,
        int virtioFsQueueSize,
        List<String> virtioFsExtraArgs,
        boolean enableMemPrealloc,
        boolean enableHugepages,
        boolean reclaimGuestFreedMemory,
        boolean enableDebug,
        boolean disableNestingChecks,
        String entropySource,
        List<String> validEntropySources,
        String guestHookPath,
        long rxRateLimiterMaxRate,
        long txRateLimiterMaxRate,
        boolean disableSelinux,
        boolean disableSeccomp) implements HypervisorConfig {

    public BuiltinConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(rootfsType, "rootfs_type");
        Objects.requireNonNull(kernelParams, "kernel_params");
        enableAnnotations = List.copyOf(Objects.requireNonNull(enableAnnotations, "enable_annotations"));
        Objects.requireNonNull(blockDeviceDriver, "block_device_driver");
        Objects.requireNonNull(sharedFs, "shared_fs");
        Objects.requireNonNull(virtioFsDaemon, "virtio_fs_daemon");
        validVirtioFsDaemonPaths =
                List.copyOf(Objects.requireNonNull(validVirtioFsDaemonPaths, "valid_virtio_fs_daemon_paths"));
        Objects.requireNonNull(virtioFsCache, "virtio_fs_cache");
        virtioFsExtraArgs = List.copyOf(Objects.requireNonNull(virtioFsExtraArgs, "virtio_fs_extra_args"));
        Objects.requireNonNull(entropySource, "entropy_source");
        validEntropySources = List.copyOf(Objects.requireNonNull(validEntropySources, "valid_entropy_sources"));
        Objects.requireNonNull(guestHookPath, "guest_hook_path");
    }

    /** Every key at its default, as for an absent or empty {@code [hypervisor.builtin]} table. */
    public static BuiltinConfig defaults() {
        return ConfigSchema.BUILTIN.defaults();
    }

    @Override
    public String hypervisorName() {
        return ConfigSchema.BUILTIN_NAME;
    }
}
