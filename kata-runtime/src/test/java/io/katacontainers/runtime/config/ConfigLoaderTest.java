package io.katacontainers.runtime.config;

import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void fragmentsApplyInAlphabeticalOrderAndOverrideSingleKeys() throws Exception {
        Path main = write("configuration.toml", """
                [hypervisor.qemu]
                machine_type = "microvm"
                block_device_driver = "virtio-mmio"
                default_memory = 4096

                [agent.kata]
                dial_timeout = 10
                """);
        // Listed out of order on purpose: names decide, not creation order.
        write("config.d/20-memory.toml", "[hypervisor.qemu]\ndefault_memory = 1024\n");
        write("config.d/10-memory-and-agent.toml", """
                [hypervisor.qemu]
                default_memory = 3072
                [agent.kata]
                enable_debug = true
                """);
        write("config.d/30-runtime.toml", "[runtime]\nenable_debug = true\n");

        KataConfig config = ConfigLoader.load(main);

        QemuConfig qemu = assertInstanceOf(QemuConfig.class, config.hypervisor());
        assertEquals(1024, qemu.defaultMemory(), "20-memory.toml comes after 10-...");
        assertEquals("microvm", qemu.machineType(), "keys a fragment does not set keep the main file's value");
        assertEquals("virtio-mmio", qemu.blockDeviceDriver());
        assertEquals(10, config.agent().dialTimeout());
        assertTrue(config.agent().enableDebug());
        assertTrue(config.runtime().enableDebug());
        assertEquals(List.of(frag("10-memory-and-agent.toml"), frag("20-memory.toml"), frag("30-runtime.toml")),
                config.fragments());
        // Accepted, but they change nothing here: each reported where it was set, fragments included.
        assertEquals(List.of("configuration.toml:3 block_device_driver", "30-runtime.toml:2 enable_debug"),
                config.warnings().stream().map(w -> w.file().getFileName() + ":" + w.line() + " "
                        + w.message().replaceFirst("not supported by this runtime: (\\w+).*", "$1")).toList());
    }

    @Test
    void aFragmentMayAddATableTheMainFileLacks() throws Exception {
        Path main = write("configuration.toml", "");
        write("config.d/50-factory.toml", "[factory]\ntemplate_path = \"/run/templates\"\n");

        assertEquals("/run/templates", ConfigLoader.load(main).factory().templatePath());
    }

    @Test
    void aMissingOrEmptyFragmentDirectoryIsFine() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.qemu]\ndefault_memory = 512\n");
        assertEquals(512, ConfigLoader.load(main).hypervisor().defaultMemory());

        Files.createDirectory(dir.resolve("config.d"));
        assertEquals(512, ConfigLoader.load(main).hypervisor().defaultMemory());
    }

    @Test
    void filesInConfigDThatAreNotTomlAreIgnoredWithAWarning() throws Exception {
        Path main = write("configuration.toml", "");
        write("config.d/README", "not toml = = =\n");
        write("config.d/50-memory.toml~", "[hypervisor.qemu]\ndefault_memory = 1\n");

        KataConfig config = ConfigLoader.load(main);

        assertEquals(2048, config.hypervisor().defaultMemory());
        assertEquals(List.of(frag("50-memory.toml~") + ": not a *.toml file, ignored",
                frag("README") + ": not a *.toml file, ignored"), strings(config.warnings()));
    }

    @Test
    void aSyntaxErrorInAFragmentNamesTheFragmentAndLine() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.qemu]\n");
        write("config.d/10-good.toml", "[hypervisor.qemu]\ndefault_memory = 1024\n");
        write("config.d/20-bad.toml", "# broken\n[hypervisor.qemu]\ndefault_memory = \n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        ConfigIssue issue = e.issues().getFirst();
        assertEquals(frag("20-bad.toml"), issue.file());
        assertEquals(3, issue.line());
        assertTrue(issue.message().startsWith("TOML syntax error: "), issue.message());
        assertTrue(e.getMessage().startsWith(frag("20-bad.toml") + ":3: TOML syntax error"), e.getMessage());
    }

    @Test
    void anInvalidValueInAFragmentNamesTheFragmentLineAndKey() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.qemu]\ndefault_memory = 1024\n");
        write("config.d/50-small.toml", "\n[hypervisor.qemu]\n\ndefault_memory = 128\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(frag("50-small.toml")
                + ":4: [hypervisor.qemu] default_memory: 128 is below the minimum of 256 MiB", e.getMessage());
    }

    @Test
    void anUnreadableFragmentIsAnError() throws Exception {
        Path main = write("configuration.toml", "");
        Files.createDirectories(dir.resolve("config.d"));
        // A dangling link: unreadable even for root, unlike a file without permissions.
        Files.createSymbolicLink(dir.resolve("config.d/10-gone.toml"), dir.resolve("nowhere.toml"));

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(frag("10-gone.toml") + ": cannot read: no such file or directory", e.getMessage());
    }

    @Test
    void anInvalidValueNamesFileLineAndKey() throws Exception {
        Path main = write("configuration.toml", """
                # comment
                [hypervisor.qemu]
                default_memory = 100
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(main + ":3: [hypervisor.qemu] default_memory: 100 is below the minimum of 256 MiB",
                e.getMessage());
        assertEquals(List.of(new ConfigIssue(main, 3,
                "[hypervisor.qemu] default_memory: 100 is below the minimum of 256 MiB")), e.issues());
    }

    @Test
    void everyInvalidValueIsReportedAtOnce() throws Exception {
        Path main = write("configuration.toml", """
                [hypervisor.qemu]
                default_memory = "2048"
                shared_fs = "nfs"
                kernel = "vmlinux"
                default_maxvcpus = 5000000000
                virtio_fs_cache = "metadata"
                [agent.kata]
                kernel_modules = ["a", 1]
                [runtime]
                internetworking_model = "bridge"
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(List.of(
                main + ":2: [hypervisor.qemu] default_memory: expected an integer, found a string (\"2048\")",
                main + ":3: [hypervisor.qemu] shared_fs: \"nfs\" is not one of \"virtio-fs\", \"virtio-9p\", \"none\"",
                main + ":4: [hypervisor.qemu] kernel: \"vmlinux\" is not an absolute path",
                main + ":5: [hypervisor.qemu] default_maxvcpus: 5000000000 is out of range (at most 2147483647)",
                main + ":6: [hypervisor.qemu] virtio_fs_cache: \"metadata\" needs the Rust virtiofsd; QEMU's C "
                        + "virtiofsd, which Debian 12 ships, has \"never\" (or \"none\"), \"auto\" or \"always\"",
                main + ":8: [agent.kata] kernel_modules: expected an array of strings, but entry 1 is an integer (1)",
                main + ":10: [runtime] internetworking_model: \"bridge\" is not one of \"macvtap\", \"tcfilter\", "
                        + "\"none\""), strings(e.issues()));
    }

    @Test
    void aSyntaxErrorInTheMainFileNamesFileAndLine() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.qemu]\npath = \"/usr/bin/qemu\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(main, e.issues().getFirst().file());
        assertEquals(2, e.issues().getFirst().line());
        assertTrue(e.getMessage().startsWith(main + ":2: TOML syntax error: "), e.getMessage());
    }

    @Test
    void unknownKeysAndTablesAreWarnedAboutNotDropped() throws Exception {
        Path main = write("configuration.toml", """
                top_level = 1
                [hypervisor.qemu]
                default_memory = 1024
                no_such_key = true
                [agent.other]
                x = 1
                [image]
                service_offload = false
                """);

        KataConfig config = ConfigLoader.load(main);

        assertEquals(1024, config.hypervisor().defaultMemory());
        assertEquals(List.of(
                main + ":1: unknown key top_level outside any table, ignored",
                main + ":5: unknown table [agent.other], ignored (the agent's table is [agent.kata])",
                main + ":7: unknown table [image], ignored",
                main + ":4: [hypervisor.qemu] no_such_key: unknown key, ignored"), strings(config.warnings()));
    }

    @Test
    void anEmptyMainFileIsValid() throws Exception {
        KataConfig config = ConfigLoader.load(write("configuration.toml", ""));

        assertEquals(QemuConfig.defaults(), config.hypervisor());
        assertTrue(config.warnings().isEmpty());
    }

    @Test
    void theBuiltinTableSelectsTheBuiltinVmm() throws Exception {
        KataConfig config = ConfigLoader.load(write("configuration.toml", "[hypervisor.builtin]\ndefault_vcpus = 2\n"));

        BuiltinConfig builtin = assertInstanceOf(BuiltinConfig.class, config.hypervisor());
        assertEquals(2.0, builtin.defaultVcpus());
        assertEquals("builtin", builtin.hypervisorName());
    }

    @Test
    void twoHypervisorTablesAreAnErrorUnlessHypervisorNameChooses() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.qemu]\n");
        write("config.d/50-builtin.toml", "[hypervisor.builtin]\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));
        assertEquals(frag("50-builtin.toml") + ":1: more than one hypervisor table ([hypervisor.qemu] at " + main
                + ":1, [hypervisor.builtin] at " + frag("50-builtin.toml") + ":1); keep one, or choose with "
                + "[runtime] hypervisor_name", e.getMessage());

        write("config.d/60-choose.toml", "[runtime]\nhypervisor_name = \"builtin\"\n");
        KataConfig config = ConfigLoader.load(main);
        assertInstanceOf(BuiltinConfig.class, config.hypervisor());
        assertEquals(List.of(main + ":1: [hypervisor.qemu] is not used: [runtime] hypervisor_name selects builtin"),
                strings(config.warnings()));
    }

    @Test
    void hypervisorNameWithoutItsTableUsesThatHypervisorsDefaults() throws Exception {
        KataConfig config = ConfigLoader.load(
                write("configuration.toml", "[runtime]\nhypervisor_name = \"builtin\"\n"));

        assertEquals(BuiltinConfig.defaults(), config.hypervisor());
    }

    @Test
    void hypervisorsThisRuntimeLacksAreErrors() throws Exception {
        Path main = write("configuration.toml", "\n[hypervisor.firecracker]\npath = \"/usr/bin/firecracker\"\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(main + ":2: [hypervisor.firecracker]: unsupported hypervisor; this runtime has "
                + "[hypervisor.qemu] and [hypervisor.builtin]", e.getMessage());
    }

    @Test
    void aSectionThatIsNotATableIsAnError() throws Exception {
        Path main = write("configuration.toml", "runtime = 1\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(main + ":1: runtime: expected a table [runtime], found a value", e.getMessage());
    }

    @Test
    void theMacvtapModelIsRefusedByName() throws Exception {
        Path main = write("configuration.toml", """
                [runtime]
                internetworking_model = "macvtap"
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(List.of(main + ":2: [runtime] internetworking_model: \"macvtap\" is not implemented; use "
                + "\"tcfilter\" (or \"none\")"), strings(e.issues()));
    }

    @Test
    void rulesAcrossKeysPointAtTheOffendingKey() throws Exception {
        Path main = write("configuration.toml", """
                [hypervisor.qemu]
                image = "/usr/share/kata-containers/kata-containers.img"
                initrd = "/usr/share/kata-containers/kata-containers-initrd.img"
                virtio_fs_daemon = ""
                [runtime]
                disable_new_netns = true
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(List.of(
                main + ":6: [runtime] disable_new_netns: only works with internetworking_model = \"none\" (it is "
                        + "\"tcfilter\")",
                main + ":4: [hypervisor.qemu] virtio_fs_daemon: must be set when shared_fs is \"virtio-fs\"",
                main + ":2: [hypervisor.qemu] image: set either image or initrd, not both (initrd is "
                        + "\"/usr/share/kata-containers/kata-containers-initrd.img\"; set initrd = \"\" to boot the "
                        + "image)"), strings(e.issues()));
    }

    @Test
    void anImageWithoutAnInitrdReplacesTheDefaultInitrdAsInKatasFiles() throws Exception {
        KataConfig config = ConfigLoader.load(write("configuration.toml",
                "[hypervisor.qemu]\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n"));

        assertEquals("", config.hypervisor().initrd());
        assertEquals("/usr/share/kata-containers/kata-containers.img", config.hypervisor().image());
    }

    @Test
    void aRootImageMustBeExt4AndOnQ35() throws Exception {
        Path main = write("configuration.toml", """
                [hypervisor.qemu]
                machine_type = "microvm"
                image = "/usr/share/kata-containers/kata-containers.img"
                rootfs_type = "erofs"
                """);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(List.of(
                main + ":4: [hypervisor.qemu] rootfs_type: \"erofs\" root images are not supported: the guest kernel"
                        + " mounts ext4 (the image the guest build makes); use \"ext4\"",
                main + ":3: [hypervisor.qemu] image: a root image needs machine_type = \"q35\" (microvm cannot map it"
                        + " as persistent memory); or boot the initrd instead (image = \"\", initrd = ...)"),
                strings(e.issues()));
    }

    @Test
    void theVmCacheNeedsQemu() throws Exception {
        Path main = write("configuration.toml", "[hypervisor.builtin]\n[factory]\nvm_cache_number = 2\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(main));

        assertEquals(main + ":3: [factory] vm_cache_number: the VM cache needs [hypervisor.qemu]", e.getMessage());
    }

    @Test
    void virtioFsCacheIsReadForEitherHypervisor() throws Exception {
        Path qemu = write("qemu.toml", "[hypervisor.qemu]\nvirtio_fs_cache = \"never\"\n");
        Path builtin = write("builtin.toml", "[hypervisor.builtin]\nvirtio_fs_cache = \"always\"\n");

        assertEquals("never", ConfigLoader.load(qemu).hypervisor().virtioFsCache());
        assertEquals("always", ConfigLoader.load(builtin).hypervisor().virtioFsCache());
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private Path frag(String name) {
        return dir.resolve("config.d").resolve(name);
    }

    private static List<String> strings(List<ConfigIssue> issues) {
        return issues.stream().map(ConfigIssue::toString).toList();
    }
}
