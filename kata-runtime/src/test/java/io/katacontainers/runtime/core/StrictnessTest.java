package io.katacontainers.runtime.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.runtime.cli.KataRuntimeCli;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --strict} where sandboxes start (kata-runtime run/create, the shim through KATA_STRICT_CONFIG): a key this
 * runtime does not implement, set, is an error naming it; without it, a warning and the sandbox is planned.
 */
class StrictnessTest {
    @TempDir
    Path dir;

    @Test
    void anUnimplementedKeyRefusesTheSandboxOnlyWhenStrict() throws Exception {
        Path file = Files.writeString(dir.resolve("configuration.toml"), "[hypervisor.qemu]\nenable_hugepages = true\n"
                + "[agent.kata]\ndial_timeout = 5\n");
        ConfigLookup lookup = ConfigLookup.forCli(Optional.of(file));
        Spec spec = Spec.newBuilder().setProcess(Process.newBuilder().addArgs("true").setCwd("/")).build();
        var drivers = new FakeHypervisorDriver(dir.resolve("agent.sock")).drivers();

        assertEquals("c1", SandboxBootstrap.plan("c1", spec, lookup, ConfigLoader.Strictness.WARN, drivers).id());
        ErrdefsException refused = assertThrows(ErrdefsException.class,
                () -> SandboxBootstrap.plan("c1", spec, lookup, ConfigLoader.Strictness.STRICT, drivers));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refused.kind());
        assertTrue(refused.getMessage().contains("not supported by this runtime: enable_hugepages"),
                refused.getMessage());
    }

    @Test
    void theShimIsStrictThroughItsEnvironment() {
        assertEquals(ConfigLoader.Strictness.STRICT,
                ConfigLoader.Strictness.fromEnvironment(Map.of("KATA_STRICT_CONFIG", "true")));
        assertEquals(ConfigLoader.Strictness.STRICT,
                ConfigLoader.Strictness.fromEnvironment(Map.of("KATA_STRICT_CONFIG", "1")));
        assertEquals(ConfigLoader.Strictness.WARN,
                ConfigLoader.Strictness.fromEnvironment(Map.of("KATA_STRICT_CONFIG", "no")));
        assertEquals(ConfigLoader.Strictness.WARN, ConfigLoader.Strictness.fromEnvironment(Map.of()));
    }

    @Test
    void strictIsAcceptedAfterTheCommandName() {
        for (String command : List.of("run", "create")) {
            var parsed = KataRuntimeCli.commandLine().parseArgs(command, "--strict", "--bundle", dir.toString(), "c1");
            assertTrue(parsed.subcommand().hasMatchedOption("--strict"), command);
            var before = KataRuntimeCli.commandLine();
            before.parseArgs("--strict", command, "--bundle", dir.toString(), "c1");
            assertEquals(ConfigLoader.Strictness.STRICT, ((KataRuntimeCli) before.getCommand()).strictness(),
                    command + ": before the command too");
        }
    }
}
