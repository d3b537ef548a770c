package io.katacontainers.api.config;

import io.katacontainers.api.virtiofs.VirtiofsCache;

import java.util.List;
import java.util.Optional;

/**
 * The configuration schema: one {@link Section} per TOML table, listing every key with its default and validator.
 * The loader, the validators, the defaults and {@code kata-runtime env} all work from these tables.
 *
 * <p>Defaults follow Kata's own x86_64 {@code configuration-qemu.toml} (what Kata users get out of the box), except
 * for paths, which point at this project's layout on Debian ({@code virtio_fs_daemon} is QEMU's C virtiofsd, hence
 * its {@code -o announce_submounts} spelling, and the guest boots an initrd rather than an image), and
 * {@code virtio_fs_cache}, whose default is {@code auto} because {@code none} breaks mmap in the guest.
 */
public final class ConfigSchema {

    public static final String QEMU_NAME = "qemu";
    public static final String BUILTIN_NAME = "builtin";
    /** The agent section's name after {@code agent.}; Kata has no other. */
    public static final String AGENT_NAME = "kata";

    /** Kata's floor for {@code default_memory} (virtcontainers' MinHypervisorMemory). */
    public static final int MIN_MEMORY_MIB = 256;
    private static final int MAX_PCIE_PORTS = 16;
    private static final String[] PCIE_PORTS = {"no-port", "bridge-port", "root-port", "switch-port"};

    // Keys shared by the hypervisor sections; a section may change the default or validator.
    private static final Key<String> KERNEL = Key.string("kernel", "/usr/share/kata-containers/vmlinux.container",
            Validator.absolutePath());
    private static final Key<String> INITRD = Key.string("initrd",
            "/usr/share/kata-containers/kata-containers-initrd.img", Validator.absolutePathOrEmpty());
    private static final Key<String> IMAGE = Key.string("image", "", Validator.absolutePathOrEmpty());
    private static final Key<String> ROOTFS_TYPE = Key.string("rootfs_type", "ext4",
            Validator.oneOf("ext4", "xfs", "erofs"));
    private static final Key<String> KERNEL_PARAMS = Key.string("kernel_params",
            "cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1", Validator.any());
    private static final Key<List<String>> ENABLE_ANNOTATIONS = Key.strings("enable_annotations",
            List.of("enable_iommu", "kernel_params"), Validator.each(Validator.regex()));
    private static final Key<Double> DEFAULT_VCPUS = Key.number("default_vcpus", 1, Validator.any());
    private static final Key<Integer> DEFAULT_MAXVCPUS = Key.integer("default_maxvcpus", 0, Validator.nonNegative());
    private static final Key<Integer> DEFAULT_MEMORY = Key.integer("default_memory", 2048,
            Validator.atLeast(MIN_MEMORY_MIB, " MiB"));
    private static final Key<Integer> MEMORY_SLOTS = Key.integer("memory_slots", 10, Validator.nonNegative());
    private static final Key<Long> DEFAULT_MAXMEMORY = Key.longInteger("default_maxmemory", 0L,
            Validator.nonNegative());
    private static final Key<String> BLOCK_DEVICE_DRIVER = Key.string("block_device_driver", "virtio-scsi",
            Validator.oneOf("virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm"));
    private static final Key<Boolean> DISABLE_BLOCK_DEVICE_USE = Key.flag("disable_block_device_use", true);
    private static final Key<String> SHARED_FS = Key.string("shared_fs", "virtio-fs",
            Validator.oneOf("virtio-fs", "virtio-9p", "none"));
    private static final Key<String> VIRTIO_FS_DAEMON = Key.string("virtio_fs_daemon", "/usr/lib/qemu/virtiofsd",
            Validator.absolutePathOrEmpty());
    private static final Key<List<String>> VALID_VIRTIO_FS_DAEMON_PATHS = Key.strings("valid_virtio_fs_daemon_paths",
            List.of("/usr/lib/qemu/virtiofsd"), Validator.any());
    private static final Key<String> VIRTIO_FS_CACHE = Key.string("virtio_fs_cache", "auto", VirtiofsCache::problem);
    private static final Key<Integer> VIRTIO_FS_QUEUE_SIZE = Key.integer("virtio_fs_queue_size", 1024,
            Validator.nonNegative());
    private static final Key<List<String>> VIRTIO_FS_EXTRA_ARGS = Key.strings("virtio_fs_extra_args",
            List.of("--thread-pool-size=1", "-o", "announce_submounts"), Validator.any());
    private static final Key<Boolean> ENABLE_MEM_PREALLOC = Key.flag("enable_mem_prealloc", false);
    private static final Key<Boolean> ENABLE_HUGEPAGES = Key.flag("enable_hugepages", false);
    private static final Key<Boolean> RECLAIM_GUEST_FREED_MEMORY = Key.flag("reclaim_guest_freed_memory", false);
    private static final Key<Boolean> ENABLE_DEBUG = Key.flag("enable_debug", false);
    private static final Key<Boolean> DISABLE_NESTING_CHECKS = Key.flag("disable_nesting_checks", false);
    private static final Key<String> ENTROPY_SOURCE = Key.string("entropy_source", "/dev/urandom",
            Validator.absolutePathOrEmpty());
    private static final Key<List<String>> VALID_ENTROPY_SOURCES = Key.strings("valid_entropy_sources",
            List.of("/dev/urandom", "/dev/random", ""), Validator.any());
    private static final Key<String> GUEST_HOOK_PATH = Key.string("guest_hook_path", "",
            Validator.absolutePathOrEmpty());
    private static final Key<Long> RX_RATE_LIMITER_MAX_RATE = Key.longInteger("rx_rate_limiter_max_rate", 0L,
            Validator.nonNegative());
    private static final Key<Long> TX_RATE_LIMITER_MAX_RATE = Key.longInteger("tx_rate_limiter_max_rate", 0L,
            Validator.nonNegative());
    private static final Key<Boolean> DISABLE_SELINUX = Key.flag("disable_selinux", false);

    public static final Section<QemuConfig> QEMU =
            new Section<>("hypervisor." + QEMU_NAME, QemuConfig.class, List.of(
            Key.string("path", "/usr/bin/qemu-system-x86_64", Validator.absolutePath()),
            KERNEL,
            INITRD,
            IMAGE,
            Key.string("machine_type", "q35", Validator.oneOf("q35", "microvm")),
            ROOTFS_TYPE,
            Key.flag("rootless", false),
            ENABLE_ANNOTATIONS,
            Key.strings("valid_hypervisor_paths", List.of("/usr/bin/qemu-system-x86_64"), Validator.any()),
            KERNEL_PARAMS,
            Key.string("firmware", "", Validator.absolutePathOrEmpty()),
            Key.string("firmware_volume", "", Validator.absolutePathOrEmpty()),
            Key.string("machine_accelerators", "", Validator.any()),
            Key.string("seccompsandbox", "", Validator.any()),
            Key.string("cpu_features", "pmu=off", Validator.any()),
            DEFAULT_VCPUS,
            DEFAULT_MAXVCPUS,
            Key.integer("default_bridges", 1, Validator.nonNegative()),
            DEFAULT_MEMORY,
            MEMORY_SLOTS,
            DEFAULT_MAXMEMORY,
            Key.longInteger("memory_offset", 0L, Validator.nonNegative()),
            Key.flag("enable_virtio_mem", false),
            DISABLE_BLOCK_DEVICE_USE,
            SHARED_FS,
            VIRTIO_FS_DAEMON,
            VALID_VIRTIO_FS_DAEMON_PATHS,
            Key.integer("virtio_fs_cache_size", 0, Validator.nonNegative()),
            VIRTIO_FS_QUEUE_SIZE,
            VIRTIO_FS_EXTRA_ARGS,
            VIRTIO_FS_CACHE,
            BLOCK_DEVICE_DRIVER,
            Key.string("block_device_aio", "io_uring", Validator.oneOf("threads", "native", "io_uring")),
            Key.flag("block_device_cache_set", false),
            Key.flag("block_device_cache_direct", false),
            Key.flag("block_device_cache_noflush", false),
            Key.integer("block_device_logical_sector_size", 0, Validator.sectorSize()),
            Key.integer("block_device_physical_sector_size", 0, Validator.sectorSize()),
            Key.flag("enable_iothreads", false),
            Key.integer("indep_iothreads", 0, Validator.nonNegative()),
            ENABLE_MEM_PREALLOC,
            RECLAIM_GUEST_FREED_MEMORY,
            ENABLE_HUGEPAGES,
            Key.flag("enable_vhost_user_store", false),
            Key.string("vhost_user_store_path", "/var/run/kata-containers/vhost-user", Validator.absolutePathOrEmpty()),
            Key.flag("enable_iommu", false),
            Key.flag("enable_iommu_platform", false),
            Key.flag("enable_numa", false),
            Key.strings("numa_mapping", List.of(), Validator.any()),
            Key.strings("valid_vhost_user_store_paths", List.of("/var/run/kata-containers/vhost-user"),
                    Validator.any()),
            Key.integer("vhost_user_reconnect_timeout_sec", 0, Validator.nonNegative()),
            Key.strings("pflashes", List.of(), Validator.each(Validator.absolutePath())),
            ENABLE_DEBUG,
            Key.string("extra_monitor_socket", "", Validator.oneOf("", "hmp", "qmp", "qmp-pretty")),
            DISABLE_NESTING_CHECKS,
            Key.integer("msize_9p", 8192, Validator.nonNegative()),
            Key.flag("disable_image_nvdimm", false),
            Key.string("hot_plug_vfio", "no-port", Validator.oneOf(PCIE_PORTS)),
            Key.string("cold_plug_vfio", "no-port", Validator.oneOf(PCIE_PORTS)),
            Key.integer("pcie_root_port", 0, Validator.nonNegative().and(Validator.atMost(MAX_PCIE_PORTS, ""))),
            Key.integer("pcie_switch_port", 0, Validator.nonNegative().and(Validator.atMost(MAX_PCIE_PORTS, ""))),
            Key.flag("disable_vhost_net", false),
            ENTROPY_SOURCE,
            VALID_ENTROPY_SOURCES,
            GUEST_HOOK_PATH,
            RX_RATE_LIMITER_MAX_RATE,
            TX_RATE_LIMITER_MAX_RATE,
            Key.string("guest_memory_dump_path", "", Validator.absolutePathOrEmpty()),
            Key.flag("guest_memory_dump_paging", false),
            Key.flag("enable_guest_swap", false),
            Key.flag("use_legacy_serial", false),
            DISABLE_SELINUX,
            Key.flag("disable_guest_selinux", true),
            Key.flag("disable_seccomp", false),
            Key.flag("confidential_guest", false)));

    public static final Section<BuiltinConfig> BUILTIN =
            new Section<>("hypervisor." + BUILTIN_NAME, BuiltinConfig.class, List.of(
            KERNEL,
            INITRD,
            IMAGE,
            ROOTFS_TYPE,
            KERNEL_PARAMS.withDefault(""),
            ENABLE_ANNOTATIONS.withDefault(List.of("kernel_params")),
            DEFAULT_VCPUS,
            DEFAULT_MAXVCPUS,
            DEFAULT_MEMORY,
            MEMORY_SLOTS,
            DEFAULT_MAXMEMORY,
            BLOCK_DEVICE_DRIVER.withDefault("virtio-mmio").withValidator(Validator.oneOf("virtio-mmio")),
            DISABLE_BLOCK_DEVICE_USE,
            SHARED_FS.withValidator(Validator.oneOf("virtio-fs", "none")),
            VIRTIO_FS_DAEMON,
            VALID_VIRTIO_FS_DAEMON_PATHS,
            VIRTIO_FS_CACHE,
            VIRTIO_FS_QUEUE_SIZE,
            VIRTIO_FS_EXTRA_ARGS,
            ENABLE_MEM_PREALLOC,
            ENABLE_HUGEPAGES,
            RECLAIM_GUEST_FREED_MEMORY,
            ENABLE_DEBUG,
            DISABLE_NESTING_CHECKS,
            ENTROPY_SOURCE,
            VALID_ENTROPY_SOURCES,
            GUEST_HOOK_PATH,
            RX_RATE_LIMITER_MAX_RATE,
            TX_RATE_LIMITER_MAX_RATE,
            DISABLE_SELINUX,
            Key.flag("disable_seccomp", false)));

    public static final Section<AgentConfig> AGENT =
            new Section<>("agent." + AGENT_NAME, AgentConfig.class, List.of(
            Key.flag("enable_debug", false),
            Key.flag("enable_tracing", false),
            Key.strings("kernel_modules", List.of(), Validator.any()),
            Key.flag("debug_console_enabled", false),
            Key.integer("dial_timeout", 45, Validator.nonNegative()),
            Key.integer("cdh_api_timeout", 50, Validator.nonNegative())));

    public static final Section<RuntimeConfig> RUNTIME =
            new Section<>("runtime", RuntimeConfig.class, List.of(
            Key.flag("enable_debug", false),
            Key.string("hypervisor_name", "", Validator.oneOf("", QEMU_NAME, BUILTIN_NAME)),
            Key.string("internetworking_model", "tcfilter", Validator.oneOf("macvtap", "tcfilter", "none")),
            Key.flag("disable_guest_seccomp", true),
            Key.flag("enable_vcpus_pinning", false),
            Key.string("guest_selinux_label", "", Validator.any()),
            Key.flag("enable_tracing", false),
            Key.string("jaeger_endpoint", "", Validator.any()),
            Key.string("jaeger_user", "", Validator.any()),
            Key.string("jaeger_password", "", Validator.any()),
            Key.flag("disable_new_netns", false),
            Key.flag("sandbox_cgroup_only", false),
            Key.flag("static_sandbox_resource_mgmt", false),
            Key.strings("sandbox_bind_mounts", List.of(), Validator.any()),
            Key.string("vfio_mode", "guest-kernel", Validator.oneOf("vfio", "guest-kernel")),
            Key.flag("disable_guest_empty_dir", true),
            Key.string("emptydir_mode", "shared-fs", Validator.oneOf("shared-fs", "block-encrypted", "block-plain")),
            Key.strings("experimental", List.of(),
                    Validator.only(List.of(), "this runtime has no experimental features")),
            Key.flag("enable_pprof", false),
            Key.longInteger("create_container_timeout", 60L, Validator.nonNegative()),
            Key.string("dan_conf", "/run/kata-containers/dans", Validator.absolutePathOrEmpty()),
            Key.string("kubelet_root_dir", "/var/lib/kubelet", Validator.absolutePathOrEmpty()),
            Key.string("pod_resource_api_sock", "", Validator.absolutePathOrEmpty())));

    public static final Section<FactoryConfig> FACTORY =
            new Section<>("factory", FactoryConfig.class, List.of(
            Key.flag("enable_template", false),
            Key.string("template_path", "/run/vc/vm/template", Validator.absolutePath()),
            Key.integer("vm_cache_number", 0, Validator.nonNegative()),
            Key.string("vm_cache_endpoint", "/var/run/kata-containers/cache.sock", Validator.absolutePath())));

    private ConfigSchema() {
    }

    /** The hypervisor section for a name after {@code hypervisor.}, if this runtime has one. */
    public static Optional<Section<? extends HypervisorConfig>> hypervisor(String name) {
        return switch (name) {
            case QEMU_NAME -> Optional.of(QEMU);
            case BUILTIN_NAME -> Optional.of(BUILTIN);
            default -> Optional.empty();
        };
    }

    /** The names after {@code hypervisor.} this runtime supports, for messages. */
    public static List<String> hypervisorNames() {
        return List.of(QEMU_NAME, BUILTIN_NAME);
    }
}
