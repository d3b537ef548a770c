package io.katacontainers.runtime.config;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every default, written out independently of the schema: Kata's x86_64 configuration-qemu.toml values, with this
 * project's paths. An empty file must produce exactly these settings.
 */
class DefaultsTest {

    private static final String QEMU_DEFAULTS = """
            [hypervisor.qemu]
            path = "/usr/bin/qemu-system-x86_64"
            kernel = "/usr/share/kata-containers/vmlinux.container"
            initrd = "/usr/share/kata-containers/kata-containers-initrd.img"
            image = ""
            machine_type = "q35"
            rootfs_type = "ext4"
            rootless = false
            enable_annotations = ["enable_iommu", "kernel_params"]
            valid_hypervisor_paths = ["/usr/bin/qemu-system-x86_64"]
            kernel_params = "cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
            firmware = ""
            firmware_volume = ""
            machine_accelerators = ""
            seccompsandbox = ""
            cpu_features = "pmu=off"
            default_vcpus = 1.0
            default_maxvcpus = 0
            default_bridges = 1
            default_memory = 2048
            memory_slots = 10
            default_maxmemory = 0
            memory_offset = 0
            enable_virtio_mem = false
            disable_block_device_use = true
            shared_fs = "virtio-fs"
            virtio_fs_daemon = "/usr/lib/qemu/virtiofsd"
            valid_virtio_fs_daemon_paths = ["/usr/lib/qemu/virtiofsd"]
            virtio_fs_cache_size = 0
            virtio_fs_queue_size = 1024
            virtio_fs_extra_args = ["--thread-pool-size=1", "-o", "announce_submounts"]
            virtio_fs_cache = "auto"
            block_device_driver = "virtio-scsi"
            block_device_aio = "io_uring"
            block_device_cache_set = false
            block_device_cache_direct = false
            block_device_cache_noflush = false
            block_device_logical_sector_size = 0
            block_device_physical_sector_size = 0
            enable_iothreads = false
            indep_iothreads = 0
            enable_mem_prealloc = false
            reclaim_guest_freed_memory = false
            enable_hugepages = false
            enable_vhost_user_store = false
            vhost_user_store_path = "/var/run/kata-containers/vhost-user"
            enable_iommu = false
            enable_iommu_platform = false
            enable_numa = false
            numa_mapping = []
            valid_vhost_user_store_paths = ["/var/run/kata-containers/vhost-user"]
            vhost_user_reconnect_timeout_sec = 0
            pflashes = []
            enable_debug = false
            extra_monitor_socket = ""
            disable_nesting_checks = false
            msize_9p = 8192
            disable_image_nvdimm = false
            hot_plug_vfio = "no-port"
            cold_plug_vfio = "no-port"
            pcie_root_port = 0
            pcie_switch_port = 0
            disable_vhost_net = false
            entropy_source = "/dev/urandom"
            valid_entropy_sources = ["/dev/urandom", "/dev/random", ""]
            guest_hook_path = ""
            rx_rate_limiter_max_rate = 0
            tx_rate_limiter_max_rate = 0
            guest_memory_dump_path = ""
            guest_memory_dump_paging = false
            enable_guest_swap = false
            use_legacy_serial = false
            disable_selinux = false
            disable_guest_selinux = true
            disable_seccomp = false
            confidential_guest = false
            """;

    private static final String BUILTIN_DEFAULTS = """
            [hypervisor.builtin]
            kernel = "/usr/share/kata-containers/vmlinux.container"
            initrd = "/usr/share/kata-containers/kata-containers-initrd.img"
            image = ""
            rootfs_type = "ext4"
            kernel_params = ""
            enable_annotations = ["kernel_params"]
            default_vcpus = 1.0
            default_maxvcpus = 0
            default_memory = 2048
            memory_slots = 10
            default_maxmemory = 0
            block_device_driver = "virtio-mmio"
            disable_block_device_use = true
            shared_fs = "virtio-fs"
            virtio_fs_daemon = "/usr/lib/qemu/virtiofsd"
            valid_virtio_fs_daemon_paths = ["/usr/lib/qemu/virtiofsd"]
            virtio_fs_cache = "auto"
            virtio_fs_queue_size = 1024
            virtio_fs_extra_args = ["--thread-pool-size=1", "-o", "announce_submounts"]
            enable_mem_prealloc = false
            enable_hugepages = false
            reclaim_guest_freed_memory = false
            enable_debug = false
            disable_nesting_checks = false
            entropy_source = "/dev/urandom"
            valid_entropy_sources = ["/dev/urandom", "/dev/random", ""]
            guest_hook_path = ""
            rx_rate_limiter_max_rate = 0
            tx_rate_limiter_max_rate = 0
            disable_selinux = false
            disable_seccomp = false
            """;

    private static final String OTHER_DEFAULTS = """
            [factory]
            enable_template = false
            template_path = "/run/vc/vm/template"
            vm_cache_number = 0
            vm_cache_endpoint = "/var/run/kata-containers/cache.sock"

            [agent.kata]
            enable_debug = false
            enable_tracing = false
            kernel_modules = []
            debug_console_enabled = false
            dial_timeout = 45
            cdh_api_timeout = 50

            [runtime]
            enable_debug = false
            hypervisor_name = ""
            internetworking_model = "tcfilter"
            disable_guest_seccomp = true
            enable_vcpus_pinning = false
            guest_selinux_label = ""
            enable_tracing = false
            jaeger_endpoint = ""
            jaeger_user = ""
            jaeger_password = ""
            disable_new_netns = false
            sandbox_cgroup_only = false
            static_sandbox_resource_mgmt = false
            sandbox_bind_mounts = []
            vfio_mode = "guest-kernel"
            disable_guest_empty_dir = true
            emptydir_mode = "shared-fs"
            experimental = []
            enable_pprof = false
            create_container_timeout = 60
            dan_conf = "/run/kata-containers/dans"
            kubelet_root_dir = "/var/lib/kubelet"
            pod_resource_api_sock = ""
            """;

    @Test
    void anEmptyFileGivesEveryDefault(@TempDir Path dir) throws Exception {
        KataConfig config = ConfigLoader.load(write(dir, ""));

        assertInstanceOf(QemuConfig.class, config.hypervisor());
        assertTrue(config.warnings().isEmpty(), config.warnings().toString());
        assertTrue(config.fragments().isEmpty());
        assertEquals(expected(QEMU_DEFAULTS + OTHER_DEFAULTS), comparable(config.settings()));
    }

    @Test
    void anEmptyBuiltinTableGivesEveryBuiltinDefault(@TempDir Path dir) throws Exception {
        KataConfig config = ConfigLoader.load(write(dir, "[hypervisor.builtin]\n"));

        assertInstanceOf(BuiltinConfig.class, config.hypervisor());
        assertEquals(expected(BUILTIN_DEFAULTS + OTHER_DEFAULTS), comparable(config.settings()));
    }

    private static Path write(Path dir, String text) throws IOException {
        return Files.writeString(dir.resolve("configuration.toml"), text);
    }

    /** The expected document as nested maps, with TOML's integers as longs and arrays as lists. */
    private static Object expected(String toml) {
        TomlParseResult parsed = Toml.parse(toml);
        assertTrue(parsed.errors().isEmpty(), parsed.errors().toString());
        return comparable(parsed);
    }

    /** Normalises both sides: maps keep order-insensitive equality, numbers widen, arrays become lists. */
    private static Object comparable(Object value) {
        return switch (value) {
            case TomlTable table -> comparable(table.toMap());
            case Map<?, ?> map -> {
                Map<String, Object> out = new LinkedHashMap<>();
                map.forEach((k, v) -> out.put((String) k, comparable(v)));
                yield out;
            }
            case TomlArray array -> comparable(array.toList());
            case List<?> list -> list.stream().map(DefaultsTest::comparable).toList();
            case Integer i -> i.longValue();
            default -> value;
        };
    }
}
