package io.katacontainers.api.config;

import java.util.List;
import java.util.Objects;

/**
 * {@code [hypervisor.qemu]}: QEMU as the VMM. The keys and their defaults are Kata's (its x86_64
 * configuration-qemu.toml), with paths for this project's layout.
 *
 * @param path {@code path}: The QEMU binary.
 * @param kernel {@code kernel}: Guest kernel: an uncompressed vmlinux (PVH ELF) or a bzImage.
 * @param initrd {@code initrd}: Guest initrd; exclusive with {@code image}: a file that sets {@code image} but not
 *       {@code initrd} gets no initrd.
 * @param image {@code image}: Guest root filesystem image; exclusive with {@code initrd}.
 * @param machineType {@code machine_type}: QEMU machine type: q35, or microvm (virtio-mmio, no PCI).
 * @param rootfsType {@code rootfs_type}: File system of {@code image}: ext4, xfs or erofs.
 * @param rootless {@code rootless}: Run QEMU as a random non-root user.
 * @param enableAnnotations {@code enable_annotations}: Patterns of hypervisor keys that pod annotations may override.
 * @param validHypervisorPaths {@code valid_hypervisor_paths}: Globs an annotation may set {@code path} to.
 * @param kernelParams {@code kernel_params}: Extra guest kernel parameters, space separated; they win over the
 *       runtime's own.
 * @param firmware {@code firmware}: Firmware image; empty means QEMU's default.
 * @param firmwareVolume {@code firmware_volume}: Firmware variables volume (split OVMF/TDVF).
 * @param machineAccelerators {@code machine_accelerators}: Comma separated machine options, e.g. {@code nosmm,nosmbus}.
 * @param seccompsandbox {@code seccompsandbox}: QEMU {@code -sandbox} options; empty disables QEMU's seccomp sandbox.
 * @param cpuFeatures {@code cpu_features}: Comma separated {@code -cpu} features.
 * @param defaultVcpus {@code default_vcpus}: vCPUs at boot: 0 means 1, negative or more than the host has means all
 *       host CPUs; fractions are rounded up.
 * @param defaultMaxvcpus {@code default_maxvcpus}: vCPU limit for hotplug: 0 or more than the host has means the
 *       host's CPU count.
 * @param defaultBridges {@code default_bridges}: PCI bridges for hotplug: 0 means 1, more than 5 means 5.
 * @param defaultMemory {@code default_memory}: Guest memory at boot, MiB (at least 256).
 * @param memorySlots {@code memory_slots}: Memory hotplug slots: how many times memory can be added.
 * @param defaultMaxmemory {@code default_maxmemory}: Memory limit for hotplug, MiB: 0 or more than the host has means
 *       the host's RAM.
 * @param memoryOffset {@code memory_offset}: MiB added to the maximum memory, for NVDIMM address space.
 * @param enableVirtioMem {@code enable_virtio_mem}: Use virtio-mem for memory hotplug.
 * @param disableBlockDeviceUse {@code disable_block_device_use}: Never hot plug host block devices for container
 *       rootfs; share them with virtio-fs instead.
 * @param sharedFs {@code shared_fs}: How container files reach the guest.
 * @param virtioFsDaemon {@code virtio_fs_daemon}: The vhost-user-fs daemon (virtiofsd).
 * @param validVirtioFsDaemonPaths {@code valid_virtio_fs_daemon_paths}: Globs an annotation may set
 *       {@code virtio_fs_daemon} to.
 * @param virtioFsCacheSize {@code virtio_fs_cache_size}: DAX window size, MiB; 0 disables DAX.
 * @param virtioFsQueueSize {@code virtio_fs_queue_size}: virtio-fs virtqueue size.
 * @param virtioFsExtraArgs {@code virtio_fs_extra_args}: Extra virtiofsd arguments.
 * @param virtioFsCache {@code virtio_fs_cache}: virtiofsd cache mode.
 * @param blockDeviceDriver {@code block_device_driver}: Driver for block-device-backed container root file systems.
 * @param blockDeviceAio {@code block_device_aio}: QEMU block I/O mechanism.
 * @param blockDeviceCacheSet {@code block_device_cache_set}: Set the cache options below on block devices.
 * @param blockDeviceCacheDirect {@code block_device_cache_direct}: Open block devices with O_DIRECT.
 * @param blockDeviceCacheNoflush {@code block_device_cache_noflush}: Ignore flush requests on block devices.
 * @param blockDeviceLogicalSectorSize {@code block_device_logical_sector_size}: Logical sector size shown to the
 *       guest; 0 is QEMU's default.
 * @param blockDevicePhysicalSectorSize {@code block_device_physical_sector_size}: Physical sector size shown to the
 *       guest; 0 is QEMU's default.
 * @param enableIothreads {@code enable_iothreads}: Handle virtio-scsi/virtio-blk I/O in a separate QEMU I/O thread.
 * @param indepIothreads {@code indep_iothreads}: Independent I/O threads for hotplugged devices.
 * @param enableMemPrealloc {@code enable_mem_prealloc}: Allocate and lock all guest memory up front.
 * @param reclaimGuestFreedMemory {@code reclaim_guest_freed_memory}: Balloon free page reporting: give freed guest
 *       memory back to the host.
 * @param enableHugepages {@code enable_hugepages}: Back guest memory with huge pages (implies preallocation).
 * @param enableVhostUserStore {@code enable_vhost_user_store}: Enable vhost-user storage devices.
 * @param vhostUserStorePath {@code vhost_user_store_path}: Base directory for vhost-user devices.
 * @param enableIommu {@code enable_iommu}: Give the guest a vIOMMU.
 * @param enableIommuPlatform {@code enable_iommu_platform}: Set iommu_platform=on on devices.
 * @param enableNuma {@code enable_numa}: Mirror the host NUMA topology in the guest.
 * @param numaMapping {@code numa_mapping}: Host NUMA nodes for each guest node, e.g. {@code ["0-1", "2-3"]}.
 * @param validVhostUserStorePaths {@code valid_vhost_user_store_paths}: Globs an annotation may set
 *       {@code vhost_user_store_path} to.
 * @param vhostUserReconnectTimeoutSec {@code vhost_user_reconnect_timeout_sec}: Seconds before reconnecting a lost
 *       vhost-user socket; 0 disables.
 * @param pflashes {@code pflashes}: Images attached with {@code -pflash}.
 * @param enableDebug {@code enable_debug}: Hypervisor and guest kernel debug output.
 * @param extraMonitorSocket {@code extra_monitor_socket}: Extra debug monitor socket when enable_debug is set.
 * @param disableNestingChecks {@code disable_nesting_checks}: Behave as on bare metal even when running inside a VM.
 * @param msize9p {@code msize_9p}: 9p packet payload size, bytes.
 * @param disableImageNvdimm {@code disable_image_nvdimm}: Attach the image with virtio-blk instead of NVDIMM.
 * @param hotPlugVfio {@code hot_plug_vfio}: Where VFIO devices are hot plugged.
 * @param coldPlugVfio {@code cold_plug_vfio}: Where VFIO devices are cold plugged.
 * @param pcieRootPort {@code pcie_root_port}: PCIe root ports to create (at most 16).
 * @param pcieSwitchPort {@code pcie_switch_port}: PCIe switch ports to create (at most 16).
 * @param disableVhostNet {@code disable_vhost_net}: Do not use vhost-net for virtio-net.
 * @param entropySource {@code entropy_source}: Host entropy source behind the guest's virtio-rng.
 * @param validEntropySources {@code valid_entropy_sources}: Values an annotation may set {@code entropy_source} to.
 * @param guestHookPath {@code guest_hook_path}: Directory of OCI hooks inside the guest rootfs; empty disables them.
 * @param rxRateLimiterMaxRate {@code rx_rate_limiter_max_rate}: Inbound network rate limit, bits/s; 0 is unlimited.
 * @param txRateLimiterMaxRate {@code tx_rate_limiter_max_rate}: Outbound network rate limit, bits/s; 0 is unlimited.
 * @param guestMemoryDumpPath {@code guest_memory_dump_path}: Where to dump guest memory on a guest panic; empty
 *       disables.
 * @param guestMemoryDumpPaging {@code guest_memory_dump_paging}: Include paging information in memory dumps.
 * @param enableGuestSwap {@code enable_guest_swap}: Give the guest a swap device when containers ask for swap.
 * @param useLegacySerial {@code use_legacy_serial}: Use a legacy serial port as the guest console.
 * @param disableSelinux {@code disable_selinux}: Do not apply SELinux to the VMM process.
 * @param disableGuestSelinux {@code disable_guest_selinux}: Do not apply SELinux inside the guest.
 * @param disableSeccomp {@code disable_seccomp}: Do not apply seccomp to the VMM.
 * @param confidentialGuest {@code confidential_guest}: Confidential computing guest (TDX, SEV): not supported here.
 */
public record QemuConfig(
        String path,
        String kernel,
        String initrd,
        String image,
        String machineType,
        String rootfsType,
        boolean rootless,
        List<String> enableAnnotations,
        List<String> validHypervisorPaths,
        String kernelParams,
        String firmware,
        String firmwareVolume,
        String machineAccelerators,
        String seccompsandbox,
        String cpuFeatures,
        double defaultVcpus,
        int defaultMaxvcpus,
        int defaultBridges,
        int defaultMemory,
        int memorySlots,
        long defaultMaxmemory,
        long memoryOffset,
        boolean enableVirtioMem,
        boolean disableBlockDeviceUse,
        String sharedFs,
        String virtioFsDaemon,
        List<String> validVirtioFsDaemonPaths,
        int virtioFsCacheSize,
        int virtioFsQueueSize,
        List<String> virtioFsExtraArgs,
        String virtioFsCache,
        String blockDeviceDriver,
        String blockDeviceAio,
        boolean blockDeviceCacheSet,
        boolean blockDeviceCacheDirect,
        boolean blockDeviceCacheNoflush,
        int blockDeviceLogicalSectorSize,
        int blockDevicePhysicalSectorSize,
        boolean enableIothreads,
        int indepIothreads,
        boolean enableMemPrealloc,
        boolean reclaimGuestFreedMemory,
        boolean enableHugepages,
        boolean enableVhostUserStore,
        String vhostUserStorePath,
        boolean enableIommu,
        boolean enableIommuPlatform,
        boolean enableNuma,
        List<String> numaMapping,
        List<String> validVhostUserStorePaths,
        int vhostUserReconnectTimeoutSec,
        List<String> pflashes,
        boolean enableDebug,
        String extraMonitorSocket,
        boolean disableNestingChecks,
        int msize9p,
        boolean disableImageNvdimm,
        String hotPlugVfio,
        String coldPlugVfio,
        int pcieRootPort,
        int pcieSwitchPort,
        boolean disableVhostNet,
        String entropySource,
        List<String> validEntropySources,
        String guestHookPath,
        long rxRateLimiterMaxRate,
        long txRateLimiterMaxRate,
        String guestMemoryDumpPath,
        boolean guestMemoryDumpPaging,
        boolean enableGuestSwap,
        boolean useLegacySerial,
        boolean disableSelinux,
        boolean disableGuestSelinux,
        boolean disableSeccomp,
        boolean confidentialGuest) implements HypervisorConfig {

    public QemuConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(machineType, "machine_type");
        Objects.requireNonNull(rootfsType, "rootfs_type");
        enableAnnotations = List.copyOf(Objects.requireNonNull(enableAnnotations, "enable_annotations"));
        validHypervisorPaths = List.copyOf(Objects.requireNonNull(validHypervisorPaths, "valid_hypervisor_paths"));
        Objects.requireNonNull(kernelParams, "kernel_params");
        Objects.requireNonNull(firmware, "firmware");
        Objects.requireNonNull(firmwareVolume, "firmware_volume");
        Objects.requireNonNull(machineAccelerators, "machine_accelerators");
        Objects.requireNonNull(seccompsandbox, "seccompsandbox");
        Objects.requireNonNull(cpuFeatures, "cpu_features");
        Objects.requireNonNull(sharedFs, "shared_fs");
        Objects.requireNonNull(virtioFsDaemon, "virtio_fs_daemon");
        validVirtioFsDaemonPaths =
                List.copyOf(Objects.requireNonNull(validVirtioFsDaemonPaths, "valid_virtio_fs_daemon_paths"));
        virtioFsExtraArgs = List.copyOf(Objects.requireNonNull(virtioFsExtraArgs, "virtio_fs_extra_args"));
        Objects.requireNonNull(virtioFsCache, "virtio_fs_cache");
        Objects.requireNonNull(blockDeviceDriver, "block_device_driver");
        Objects.requireNonNull(blockDeviceAio, "block_device_aio");
        Objects.requireNonNull(vhostUserStorePath, "vhost_user_store_path");
        numaMapping = List.copyOf(Objects.requireNonNull(numaMapping, "numa_mapping"));
        validVhostUserStorePaths =
                List.copyOf(Objects.requireNonNull(validVhostUserStorePaths, "valid_vhost_user_store_paths"));
        pflashes = List.copyOf(Objects.requireNonNull(pflashes, "pflashes"));
        Objects.requireNonNull(extraMonitorSocket, "extra_monitor_socket");
        Objects.requireNonNull(hotPlugVfio, "hot_plug_vfio");
        Objects.requireNonNull(coldPlugVfio, "cold_plug_vfio");
        Objects.requireNonNull(entropySource, "entropy_source");
        validEntropySources = List.copyOf(Objects.requireNonNull(validEntropySources, "valid_entropy_sources"));
        Objects.requireNonNull(guestHookPath, "guest_hook_path");
        Objects.requireNonNull(guestMemoryDumpPath, "guest_memory_dump_path");
    }

    /** Every key at its default, as for an absent or empty {@code [hypervisor.qemu]} table. */
    public static QemuConfig defaults() {
        return ConfigSchema.QEMU.defaults();
    }

    @Override
    public String hypervisorName() {
        return ConfigSchema.QEMU_NAME;
    }
}
