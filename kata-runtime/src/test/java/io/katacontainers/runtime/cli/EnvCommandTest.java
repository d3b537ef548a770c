package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.config.env.EnvReport;
import io.katacontainers.runtime.config.env.HostInfo;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvCommandTest {

    private static final HostInfo HOST = new HostInfo("6.1.0-27-cloud-amd64", "amd64", "Debian GNU/Linux", "12",
            "AuthenticAMD", "AMD EPYC 7B13", 2, 24000000, 1000, 2000, false, false);
    private static final RuntimeVersion VERSION = new RuntimeVersion("0.1.0-SNAPSHOT", "abc123", "1.2.0");

    @TempDir
    Path dir;

    private Path main;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void configuration() throws IOException {
        // A QEMU path that does not exist: the version is then reported as unknown, as Kata does.
        main = write("configuration.toml", """
                [hypervisor.qemu]
                path = "/nonexistent/qemu-system-x86_64"
                default_memory = 2048
                """);
        write("config.d/50-memory.toml", "[hypervisor.qemu]\ndefault_memory = 1024\n");
    }

    @Test
    void jsonShowsTheConfigPathAndTheOverriddenValueUnderTheFilesKeyName() throws Exception {
        assertEquals(0, run("--json"), err.toString());

        JsonNode env = new ObjectMapper().readTree(out.toString());
        assertEquals(main.toString(), env.at("/Runtime/Config/Path").asText());
        assertEquals(dir.resolve("config.d/50-memory.toml").toString(), env.at("/Runtime/Config/Fragments/0").asText());
        assertEquals(1024, env.at("/Configuration/hypervisor/qemu/default_memory").asInt());
        assertEquals(45, env.at("/Configuration/agent/kata/dial_timeout").asInt());
        assertEquals("/nonexistent/qemu-system-x86_64", env.at("/Hypervisor/Path").asText());
        assertEquals(EnvReport.UNKNOWN, env.at("/Hypervisor/Version").asText());
        assertEquals("q35", env.at("/Hypervisor/MachineType").asText());
        assertEquals("1.0.27", env.at("/Meta/Version").asText());
        assertEquals("Debian GNU/Linux", env.at("/Host/Distro/Name").asText());
        assertEquals(false, env.at("/Host/VMContainerCapable").asBoolean());
        assertEquals(1, env.at("/Runtime/Version/Version/Minor").asInt());
        assertEquals(List.of("Kernel", "Meta", "Image", "Initrd", "Hypervisor", "Runtime", "Host", "Agent",
                "Configuration"), fieldNames(env));
        assertTrue(out.toString().contains("\"Kernel\": {"), "Go's json layout: \"key\": value");
        assertTrue(out.toString().contains("\"Experimental\": [],"), out.toString());
    }

    @Test
    void tomlIsTheDefaultFormat() throws Exception {
        assertEquals(0, run());

        TomlParseResult env = Toml.parse(out.toString());
        assertTrue(env.errors().isEmpty(), env.errors().toString());
        assertEquals(main.toString(), env.getString("Runtime.Config.Path"));
        assertEquals(1024L, env.getLong(List.of("Configuration", "hypervisor", "qemu", "default_memory")));
        assertEquals("/usr/share/kata-containers/vmlinux.container", env.getString("Kernel.Path"));
        assertTrue(out.toString().startsWith("[Kernel]\n  Path = "), out.toString());
        assertTrue(out.toString().contains("\n  [Hypervisor.SecurityInfo]\n    Rootless = false\n"));
    }

    @Test
    void aBrokenConfigurationFailsWithFileAndLine() throws Exception {
        write("config.d/60-bad.toml", "[agent.kata]\ndial_timeout = -1\n");

        assertEquals(1, run());

        assertEquals(dir.resolve("config.d/60-bad.toml") + ":2: [agent.kata] dial_timeout: -1 is negative; expected 0 "
                + "or more\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void theBuiltinVmmIsReportedWithoutAnExecutable() throws Exception {
        Files.writeString(main, "[hypervisor.builtin]\n");
        Files.delete(dir.resolve("config.d/50-memory.toml"));

        assertEquals(0, run("--json"));

        JsonNode env = new ObjectMapper().readTree(out.toString());
        assertEquals("", env.at("/Hypervisor/Path").asText());
        assertEquals("virtio-mmio", env.at("/Hypervisor/BlockDeviceDriver").asText());
        assertTrue(env.at("/Hypervisor/Version").asText().endsWith("0.1.0-SNAPSHOT"));
        assertTrue(env.at("/Configuration/hypervisor/builtin").isObject());
    }

    private int run(String... args) {
        // The explicit path stands in for --config; the default paths are never consulted.
        ConfigSource source = new ConfigSource() {
            @Override
            public Optional<Path> configOption() {
                return Optional.of(main);
            }

            @Override
            public ConfigLookup lookup() {
                return new ConfigLookup(configOption(), Optional.empty(), List.of(), ConfigLookup.Caller.CLI);
            }
        };
        CommandLine cli = new CommandLine(new EnvCommand(source, () -> HOST, VERSION));
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
