package io.katacontainers.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Hook;
import io.katacontainers.agent.proto.Hooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Host hooks as runc runs them: argv and env exactly as given, the state on stdin, order, timeout, failures. */
class OciHooksTest {
    private static final String STATE = "{\"ociVersion\":\"1.1.0\",\"id\":\"c1\",\"status\":\"creating\","
            + "\"pid\":42,\"bundle\":\"/b\"}";
    @TempDir
    Path dir;

    private Hook sh(String script, String... extraArgs) {
        Hook.Builder hook = Hook.newBuilder().setPath("/bin/sh").addArgs("sh").addArgs("-c").addArgs(script)
                .addArgs("hook-argv0");
        for (String arg : extraArgs) {
            hook.addArgs(arg);
        }
        return hook.build();
    }

    @Test
    void eachHookGetsTheStateOnStdinItsArgvAndOnlyItsEnvInTheSpecsOrder() throws Exception {
        Path log = dir.resolve("log");
        Hook first = sh("cat > " + dir.resolve("state") + "; echo \"first $0 $1\" >> " + log + "; /usr/bin/env > "
                + dir.resolve("env"), "one").toBuilder().addEnv("FOO=bar").build();
        Hook second = sh("echo second >> " + log);
        OciHooks.run(Hooks.newBuilder().addPrestart(first).addPrestart(second).build(), OciHooks.Stage.PRESTART,
                STATE);
        assertEquals(STATE, Files.readString(dir.resolve("state")));
        assertEquals(List.of("first hook-argv0 one", "second"), Files.readAllLines(log));
        List<String> env = Files.readAllLines(dir.resolve("env"));
        assertTrue(env.contains("FOO=bar"), env.toString());
        assertTrue(env.stream().noneMatch(line -> line.startsWith("PATH=") || line.startsWith("HOME=")),
                "only the hook's env, not the runtime's: " + env);
    }

    @Test
    void argv0IsTheHooksOwnNotItsPath() throws Exception {
        // Docker's prestart hook is dockerd re-executed as "libnetwork-setkey": the name must reach the program.
        Path argv0 = dir.resolve("argv0");
        Hook hook = Hook.newBuilder().setPath("/bin/bash").addArgs("libnetwork-setkey").addArgs("-c")
                .addArgs("echo -n \"$BASH_ARGV0\" > " + argv0 + "; ps -o args= -p $$ >> " + argv0).build();
        OciHooks.run(Hooks.newBuilder().addCreateRuntime(hook).build(), OciHooks.Stage.CREATE_RUNTIME, STATE);
        assertTrue(Files.readString(argv0).contains("libnetwork-setkey -c"), Files.readString(argv0));
    }

    @Test
    void aFailingHookStopsTheStageWithItsStatusAndOutput() {
        Path after = dir.resolve("after");
        Hooks hooks = Hooks.newBuilder().addPrestart(sh("echo network set-up failed >&2; exit 3"))
                .addPrestart(sh("touch " + after)).build();
        OciHooks.HookException error = assertThrows(OciHooks.HookException.class,
                () -> OciHooks.run(hooks, OciHooks.Stage.PRESTART, STATE));
        assertTrue(error.getMessage().contains("prestart hook #0"), error.getMessage());
        assertTrue(error.getMessage().contains("exit status 3"), error.getMessage());
        assertTrue(error.getMessage().contains("network set-up failed"), error.getMessage());
        assertFalse(Files.exists(after), "the hooks after a failed one do not run");
    }

    @Test
    void aHookThatOutlivesItsTimeoutIsKilledAndFailsTheStage() {
        Hooks hooks = Hooks.newBuilder().addCreateRuntime(sh("exec sleep 60").toBuilder().setTimeout(1)).build();
        Instant start = Instant.now();
        OciHooks.HookException error = assertThrows(OciHooks.HookException.class,
                () -> OciHooks.run(hooks, OciHooks.Stage.CREATE_RUNTIME, STATE));
        assertTrue(error.getMessage().contains("timed out after 1s"), error.getMessage());
        assertTrue(Duration.between(start, Instant.now()).toSeconds() < 30, "killed at the timeout, not at its end");
    }

    @Test
    void aMissingProgramIsAFailureThatNamesIt() {
        Hooks hooks = Hooks.newBuilder().addPrestart(Hook.newBuilder().setPath("/nonexistent/hook")).build();
        OciHooks.HookException error = assertThrows(OciHooks.HookException.class,
                () -> OciHooks.run(hooks, OciHooks.Stage.PRESTART, STATE));
        assertTrue(error.getMessage().contains("/nonexistent/hook"), error.getMessage());
    }

    @Test
    void poststopFailuresAreWarningsAndTheOtherHooksStillRun() throws Exception {
        Path after = dir.resolve("after");
        Hooks hooks = Hooks.newBuilder().addPoststop(sh("exit 1")).addPoststop(sh("cat > " + after)).build();
        OciHooks.runWarning(hooks, OciHooks.Stage.POSTSTOP, STATE);
        assertEquals(STATE, Files.readString(after));
    }

    @Test
    void aHookThatDoesNotReadItsStdinStillSucceeds() throws Exception {
        String big = STATE.replace("/b", "/" + "b".repeat(200_000));
        OciHooks.run(Hooks.newBuilder().addPoststart(sh("exit 0")).build(), OciHooks.Stage.POSTSTART, big);
    }

    @Test
    void theStateIsTheRuntimeSpecsOnOneLine() {
        assertEquals(STATE, OciHooks.state("1.1.0", "c1", "creating", 42, Path.of("/b"), java.util.Map.of()));
        assertEquals("{\"ociVersion\":\"1.0.2\",\"id\":\"c2\",\"status\":\"stopped\",\"pid\":0,\"bundle\":\"/b\","
                + "\"annotations\":{\"k\":\"v\"}}",
                OciHooks.state("1.0.2", "c2", "stopped", 0, Path.of("/b"), java.util.Map.of("k", "v")));
    }
}
