package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.api.config.BuiltinConfig;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.QemuConfig;
import io.katacontainers.runtime.config.ConfigException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.config.env.EnvReport;
import io.katacontainers.runtime.config.env.HostProbe;
import io.katacontainers.runtime.config.env.HypervisorVersion;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import io.katacontainers.runtime.config.env.TomlWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * {@code kata-runtime env}: the configuration in use and facts about the host, in Kata's layout (TOML, or JSON with
 * {@code --json}), plus the effective settings under the configuration file's own key names (see {@link EnvReport}).
 *
 * <p>It is created by the top-level command, which passes itself as the {@link ConfigSource} for {@code --config}:
 * {@code commandLine.addSubcommand(new EnvCommand(this))}.
 */
@Command(name = "env", aliases = "kata-env", mixinStandardHelpOptions = true,
        description = "Display settings. Default to TOML.")
public final class EnvCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Format output as JSON.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    private final ConfigSource source;
    private final HostProbe host;
    private final RuntimeVersion version;

    /** For the real host and this build's version. */
    public EnvCommand(ConfigSource source) {
        this(source, HostProbe.of(Path.of("/")), RuntimeVersion.current());
    }

    /** With the host facts and version supplied, e.g. a probe backed by kata-check, or fixtures in tests. */
    public EnvCommand(ConfigSource source, HostProbe host, RuntimeVersion version) {
        this.source = Objects.requireNonNull(source, "source");
        this.host = Objects.requireNonNull(host, "host");
        this.version = Objects.requireNonNull(version, "version");
    }

    /** Prints the report; a configuration that cannot be loaded is reported on stderr with exit status 1. */
    @Override
    public Integer call() throws JsonProcessingException {
        KataConfig config;
        try {
            config = ConfigLoader.load(source.lookup(), source.strictness());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return 1;
        }
        Map<String, Object> report = EnvReport.of(config, host.probe(), hypervisorVersion(config), version,
                ProcessHandle.current().info().command().orElse(EnvReport.UNKNOWN));
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? toJson(report) : TomlWriter.write(report));
        out.flush();
        return 0;
    }

    private String hypervisorVersion(KataConfig config) {
        return switch (config.hypervisor()) {
            case QemuConfig qemu -> HypervisorVersion.query(Path.of(qemu.path()), HypervisorVersion.TIMEOUT);
            case BuiltinConfig ignored -> "built-in KVM VMM, part of the runtime " + version.semver();
        };
    }

    /**
     * Laid out like Go's json.Encoder with SetIndent("", "  "), which Kata uses: {@code "Key": value}, one array
     * element per line, {@code []} for an empty array.
     */
    private static String toJson(Map<String, Object> report) throws JsonProcessingException {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withSeparators(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withArrayEmptySeparator("")
                .withObjectEmptySeparator(""));
        printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        return new ObjectMapper().writer(printer).writeValueAsString(report) + "\n";
    }
}
