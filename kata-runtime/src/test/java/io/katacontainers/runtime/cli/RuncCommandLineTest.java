package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line against runc 1.1's: its flags as containerd's runc shim, dockerd and conmon pass them. */
class RuncCommandLineTest {
    /** runc 1.1's flags per command (runc COMMAND --help), without checkpoint/restore/criu. */
    private static final Map<String, List<String>> RUNC_FLAGS = Map.of(
            "create", List.of("--bundle", "-b", "--console-socket", "--pid-file", "--no-pivot", "--no-new-keyring",
                    "--preserve-fds"),
            "run", List.of("--bundle", "-b", "--console-socket", "--detach", "-d", "--pid-file", "--no-pivot",
                    "--no-new-keyring", "--preserve-fds"),
            "exec", List.of("--console-socket", "--cwd", "--env", "-e", "--tty", "-t", "--user", "-u",
                    "--additional-gids", "-g", "--process", "-p", "--detach", "-d", "--pid-file", "--process-label",
                    "--apparmor", "--no-new-privs", "--cap", "-c", "--preserve-fds", "--cgroup", "--ignore-paused"),
            "kill", List.of("--all", "-a"),
            "delete", List.of("--force", "-f"),
            "ps", List.of("--format", "-f"),
            "update", List.of("--resources", "-r", "--blkio-weight", "--cpu-period", "--cpu-quota", "--cpu-share",
                    "--cpu-rt-period", "--cpu-rt-runtime", "--cpuset-cpus", "--cpuset-mems", "--memory",
                    "--memory-reservation", "--memory-swap", "--pids-limit", "--l3-cache-schema", "--mem-bw-schema"),
            "events", List.of("--interval", "--stats"),
            "list", List.of("--format", "-f", "--quiet", "-q"));
    private static final List<String> RUNC_GLOBAL = List.of("--debug", "--log", "--log-format", "--root",
            "--systemd-cgroup", "--version", "--help", "-h");
    private static final List<String> RUNC_COMMANDS = List.of("create", "delete", "events", "exec", "kill", "list",
            "pause", "ps", "resume", "run", "start", "state", "update", "features");

    @TempDir
    Path dir;

    @Test
    void everyRuncCommandAndFlagIsKnown() {
        CommandLine cli = KataRuntimeCli.commandLine();
        for (String command : RUNC_COMMANDS) {
            assertTrue(cli.getSubcommands().containsKey(command), "runc command " + command);
        }
        RUNC_GLOBAL.forEach(flag -> assertTrue(cli.getCommandSpec().findOption(flag) != null, "global " + flag));
        RUNC_FLAGS.forEach((command, flags) -> flags.forEach(flag -> assertTrue(
                cli.getSubcommands().get(command).getCommandSpec().findOption(flag) != null, command + " " + flag)));
    }

    @Test
    void containerdShimCreateAndConmonExecParse() {
        CommandLine cli = KataRuntimeCli.commandLine();
        var parsed = cli.parseArgs("--root", "/run/docker/runtime-kata/moby", "--log", "/b/log.json",
                "--log-format", "json", "--systemd-cgroup", "create", "--bundle", "/b", "--pid-file", "/b/init.pid",
                "--no-pivot", "--no-new-keyring", "--preserve-fds", "0", "c1");
        CreateCommand create = (CreateCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals("c1", create.id);
        assertEquals(Path.of("/b/init.pid"), create.pidFile);

        cli = KataRuntimeCli.commandLine();
        parsed = cli.parseArgs("exec", "--process", "/x/p.json", "--detach", "--pid-file", "/x/pid", "--tty",
                "--cwd", "/", "--env", "A=B", "-e", "C=D", "--user", "1:2", "-g", "5", "--no-new-privs", "--cap",
                "CAP_KILL", "--ignore-paused", "c1");
        ExecCommand exec = (ExecCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(List.of("A=B", "C=D"), exec.env);
        assertEquals(Path.of("/x/p.json"), exec.processFile);
        assertTrue(exec.detach && exec.tty && exec.noNewPrivs && exec.ignorePaused);
    }

    @Test
    void whatFollowsTheContainerIdBelongsToTheCommand() {
        CommandLine cli = KataRuntimeCli.commandLine();
        var parsed = cli.parseArgs("exec", "-t", "c1", "sh", "-c", "echo --tty");
        ExecCommand exec = (ExecCommand) parsed.subcommand().commandSpec().userObject();
        assertEquals(List.of("sh", "-c", "echo --tty"), exec.command);
        exec = (ExecCommand) KataRuntimeCli.commandLine().parseArgs("exec", "c1", "--", "ls", "-l")
                .subcommand().commandSpec().userObject();
        assertEquals(List.of("--", "ls", "-l"), exec.command, "the delimiter is dropped when the exec runs");

        parsed = KataRuntimeCli.commandLine().parseArgs("ps", "c1", "-ef");
        var ps = (ContainerCommands.Ps) parsed.subcommand().commandSpec().userObject();
        assertEquals(List.of("-ef"), ps.psArgs);
    }

    @Test
    void anUnknownFlagIsRefusedInRuncsWordsAndLoggedAsJson() throws Exception {
        Path log = dir.resolve("log.json");
        StringWriter err = new StringWriter();
        CommandLine cli = KataRuntimeCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute("--log", log.toString(), "--log-format", "json", "create", "--foo", "c1");
        assertNotEquals(0, status);
        assertTrue(err.toString().contains("flag provided but not defined: -foo"), err.toString());
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(log).getLast());
        assertEquals("error", line.get("level").asText());
        assertEquals("flag provided but not defined: -foo", line.get("msg").asText());
        Instant.parse(line.get("time").asText());
    }

    @Test
    void aFailingCommandWritesItsErrorAsRuncsJsonLine() throws Exception {
        Path log = dir.resolve("log.json");
        CommandLine cli = KataRuntimeCli.commandLine();
        cli.setErr(new PrintWriter(new StringWriter(), true));
        int status = cli.execute("--root", dir.resolve("root").toString(), "--log", log.toString(), "--log-format",
                "json", "state", "docker17-unit-no-such-container");
        assertEquals(1, status);
        List<String> lines = Files.readAllLines(log);
        JsonNode last = new ObjectMapper().readTree(lines.getLast());
        List<String> keys = new java.util.ArrayList<>();
        last.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("level", "msg", "time"), keys);
        assertEquals("error", last.get("level").asText());
        assertTrue(last.get("msg").asText().contains("does not exist"), lines.toString());
        assertTrue(Files.isDirectory(dir.resolve("root")), "--root is created as runc does");
    }

    @Test
    void jsonLinesAreLogrusShaped() {
        assertEquals("{\"level\":\"error\",\"msg\":\"a \\\"b\\\"\\n\\u0001\",\"time\":\"2026-12-07T18:29:01Z\"}",
                Logging.jsonLine("error", "a \"b\"\n\u0001", Instant.parse("2026-12-07T18:29:01.987Z")));
    }

    @Test
    void versionHasRuncsLinesToo() {
        StringWriter out = new StringWriter();
        CommandLine cli = KataRuntimeCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute("--version"));
        String text = out.toString();
        assertTrue(text.contains("kata-runtime  : ") && text.matches("(?s).*\\nkata-runtime version \\S+\\n"
                + "commit: \\S+\\nspec: \\S+\\n.*"), text);
    }

    @Test
    void updateFlagsBecomeResources() throws Exception {
        var parsed = KataRuntimeCli.commandLine().parseArgs("update", "--memory", "512m", "--memory-swap", "-1",
                "--cpu-quota", "50000", "--pids-limit", "100", "c1");
        var update = (ContainerCommands.Update) parsed.subcommand().commandSpec().userObject();
        var resources = update.fromFlags();
        assertEquals(512L << 20, resources.getMemory().getLimit());
        assertEquals(-1, resources.getMemory().getSwap());
        assertEquals(50000, resources.getCPU().getQuota());
        assertEquals(100, resources.getPids().getLimit());
        assertEquals(1024, ContainerCommands.Update.bytes("--memory", "1k"));
        assertEquals(2L << 30, ContainerCommands.Update.bytes("--memory", "2g"));
    }

    @Test
    void featuresAreRuncsShape() throws Exception {
        JsonNode features = new ObjectMapper().valueToTree(FeaturesCommand.features());
        assertTrue(features.get("hooks").toString().contains("prestart"));
        assertTrue(features.get("linux").get("seccomp").get("enabled").asBoolean());
    }
}
