package io.katacontainers.runtime.cli;

import io.katacontainers.check.CheckCommand;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.persist.StateStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code kata-runtime}: Kata Containers' command-line tool. */
@Command(name = "kata-runtime", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class,
        description = "Kata Containers in Java: runs containers inside lightweight virtual machines.",
        subcommands = CommandLine.HelpCommand.class,
        footer = {"", "Run 'kata-runtime COMMAND --help' for more information on a command."})
public final class KataRuntimeCli implements Callable<Integer>, ConfigSource {

    @Spec
    private CommandSpec spec;

    @Option(names = {"--config", "--kata-config"}, paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Configuration file to use instead of the default lookup "
                    + "(see --show-default-config-paths).")
    private Path config;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "warn", scope = CommandLine.ScopeType.INHERIT,
            description = "Least severe log level to print: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Logging.LogLevel logLevel;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Same as --log-level debug.")
    private boolean debug;

    @Option(names = "--log", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Append log lines to FILE instead of stderr.")
    private Path logFile;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Format of the log lines: text (Kata's) or json (runc's: one object per line with level, "
                    + "msg and time; errors are also written there). Default: ${DEFAULT-VALUE}.")
    private Logging.LogFormat logFormat;

    @Option(names = "--root", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "runc's state directory, accepted for Docker, containerd and Podman and created if "
                    + "missing; a VM's state stays under " + "/run/vc/sbs/<id> (its sockets need short paths).")
    private Path runcRoot;

    @Option(names = "--systemd-cgroup", scope = CommandLine.ScopeType.INHERIT,
            description = "cgroupsPath is in systemd's slice:prefix:name form (runc's flag): the guest, which has "
                    + "no systemd, puts the container in its own cgroup subtree either way.")
    private boolean systemdCgroup;

    @Option(names = "--strict",
            description = "Refuse a configuration that sets a key this runtime does not implement to another value "
                    + "than its default (otherwise a warning: not supported by this runtime: KEY).")
    private boolean strict;

    @Option(names = "--show-default-config-paths",
            description = "Show the paths searched for a configuration file, in order, and exit.")
    private boolean showDefaultConfigPaths;

    @Override
    public Optional<Path> configOption() {
        return Optional.ofNullable(config);
    }

    @Override
    public ConfigLoader.Strictness strictness() {
        return strict ? ConfigLoader.Strictness.STRICT : ConfigLoader.Strictness.WARN;
    }

    @Override
    public Integer call() {
        if (showDefaultConfigPaths) {
            ConfigLookup.systemDefaultPaths().forEach(spec.commandLine().getOut()::println);
            return 0;
        }
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    private int execute(ParseResult parseResult) {
        try {
            Logging.configure(debug ? Logging.LogLevel.debug : logLevel, logFile, logFormat);
            if (runcRoot != null) {
                Files.createDirectories(runcRoot, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("kata-runtime: cannot open the log file " + logFile
                    + " or the --root directory " + runcRoot + ": " + e.getMessage());
            return 1;
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    /** A command's failure, also written to the {@code --log} file when there is one (runc's callers read it). */
    void logError(String message) {
        if (logFile != null) {
            System.getLogger("kata-runtime").log(System.Logger.Level.ERROR, message);
        }
    }

    /**
     * The logging options to hand to a process this command starts (the sandbox holder, an exec relay), so that its
     * log lines go where the caller asked (containerd's shim reads --log) and never into the container's stdio.
     */
    java.util.List<String> loggingArgs() {
        if (logFile == null) {
            return java.util.List.of();
        }
        return java.util.List.of("--log", logFile.toAbsolutePath().toString(), "--log-format", logFormat.name(),
                "--log-level", debug ? "debug" : logLevel.name());
    }

    /** Whether {@code --systemd-cgroup} was given. */
    boolean systemdCgroup() {
        return systemdCgroup;
    }

    public static CommandLine commandLine() {
        KataRuntimeCli cli = new KataRuntimeCli();
        StateStore store = new StateStore(StateStore.DEFAULT_ROOT);
        CommandLine commandLine = new CommandLine(cli)
                .addSubcommand(new CheckCommand())
                .addSubcommand(new EnvCommand(cli))
                .addSubcommand(new RunCommand(cli, store));
        OciCommands.all(cli, store).forEach(commandLine::addSubcommand);
        ContainerCommands.all(store).forEach(commandLine::addSubcommand);
        commandLine.addSubcommand(new FeaturesCommand());
        commandLine.addSubcommand(new DebugConsoleCommand(store));
        commandLine.addSubcommand(new FactoryCommand(cli));
        // As runc: what follows the container id belongs to the command run in it (exec, ps's ps arguments).
        commandLine.getSubcommands().get("exec").setStopAtPositional(true);
        commandLine.getSubcommands().get("ps").setStopAtPositional(true);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler(KataRuntimeCli::invalidInput);
        commandLine.setExecutionStrategy(cli::execute);
        return commandLine;
    }

    /**
     * picocli's default, except that an unknown flag is reported in runc's words as well ("flag provided but not
     * defined: -foo", also as a JSON error line in the {@code --log} file), and a mistyped command also lists the
     * commands there are.
     */
    private static int invalidInput(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        java.io.PrintWriter err = command.getErr();
        String runcWords = RuncWording.describe(e);
        if (!runcWords.equals(e.getMessage())) {
            err.println("Incorrect Usage: " + runcWords);
        }
        err.println(e.getMessage());
        KataRuntimeCli root = (KataRuntimeCli) command.getCommandSpec().root().userObject();
        if (root.logFile != null) {
            try {
                if (root.logFormat == Logging.LogFormat.json) {
                    Logging.appendJsonError(root.logFile, runcWords);
                }
            } catch (IOException writing) {
                err.println("kata-runtime: cannot write to the log file " + root.logFile + ": "
                        + writing.getMessage());
            }
        }
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            command.usage(err);
        } else if (command.getParent() == null) {
            err.println("Commands: " + String.join(", ", command.getSubcommands().entrySet().stream()
                    .filter(entry -> !entry.getValue().getCommandSpec().usageMessage().hidden())
                    .map(java.util.Map.Entry::getKey).distinct().toList()));
        }
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
