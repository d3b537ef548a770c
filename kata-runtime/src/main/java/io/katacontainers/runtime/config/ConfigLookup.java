package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which configuration file to use, decided as Kata decides it; the first of these wins:
 * <ol>
 * <li>an explicit path: {@code kata-runtime --config}, or the shim's {@code ConfigPath} runtime option
 *     ({@code ctr run --runtime-config-path}, containerd's {@code ConfigPath});</li>
 * <li>the {@code KATA_CONF_FILE} environment variable. The shim, like Kata's, accepts it only when it names one of
 *     the default files: the variable can be set by whoever starts containers, and must not let them point the
 *     runtime at a configuration of their own;</li>
 * <li>the first of the default paths that exists.</li>
 * </ol>
 * An explicit path or {@code KATA_CONF_FILE} that does not exist is an error, not a reason to fall back.
 *
 * @param explicitPath the path given on the command line or in the runtime options
 * @param kataConfFile the value of {@code KATA_CONF_FILE}; blank counts as unset
 * @param defaultPaths the default locations, in order (see {@link #defaultPathsUnder(Optional)})
 * @param caller       who is looking, which decides how far {@code KATA_CONF_FILE} is trusted
 */
public record ConfigLookup(Optional<Path> explicitPath, Optional<String> kataConfFile, List<Path> defaultPaths,
                           Caller caller) {

    public static final String KATA_CONF_FILE = "KATA_CONF_FILE";
    /** Set by the launcher to the installation prefix, whose share/defaults holds the shipped configuration. */
    public static final String INSTALL_PREFIX_PROPERTY = "kata.install.prefix";
    public static final Path ETC_CONFIG = Path.of("/etc/kata-containers/configuration.toml");
    public static final Path SHARE_CONFIG = Path.of("/usr/share/defaults/kata-containers/configuration.toml");

    /** Who looks for the configuration. */
    public enum Caller {
        /** {@code kata-runtime}: the explicit path is {@code --config}. */
        CLI("--config"),
        /** {@code containerd-shim-kata-v2}: the explicit path is the runtime options' ConfigPath. */
        SHIM("the runtime options' ConfigPath");

        private final String explicitSource;

        Caller(String explicitSource) {
            this.explicitSource = explicitSource;
        }
    }

    public ConfigLookup {
        Objects.requireNonNull(explicitPath, "explicitPath");
        kataConfFile = kataConfFile.filter(value -> !value.isBlank());
        defaultPaths = List.copyOf(defaultPaths);
        Objects.requireNonNull(caller, "caller");
    }

    /** The lookup for {@code kata-runtime}, reading {@code KATA_CONF_FILE} and the install prefix from the process. */
    public static ConfigLookup forCli(Optional<Path> configOption) {
        return new ConfigLookup(configOption, Optional.ofNullable(System.getenv(KATA_CONF_FILE)), systemDefaultPaths(),
                Caller.CLI);
    }

    /** The lookup for the shim, reading {@code KATA_CONF_FILE} and the install prefix from the process. */
    public static ConfigLookup forShim(Optional<Path> configPathOption) {
        return new ConfigLookup(configPathOption, Optional.ofNullable(System.getenv(KATA_CONF_FILE)),
                systemDefaultPaths(), Caller.SHIM);
    }

    /**
     * The default paths for this process ({@code kata-runtime --show-default-config-paths} prints them): the install
     * prefix comes from the {@value #INSTALL_PREFIX_PROPERTY} system property, when the launcher sets it.
     */
    public static List<Path> systemDefaultPaths() {
        return defaultPathsUnder(Optional.ofNullable(System.getProperty(INSTALL_PREFIX_PROPERTY))
                .filter(prefix -> !prefix.isBlank())
                .map(Path::of));
    }

    /**
     * Kata's two default paths, {@code /etc/kata-containers/configuration.toml} (for the administrator) then
     * {@code /usr/share/defaults/kata-containers/configuration.toml} (shipped), followed by the shipped file under
     * our own install prefix, {@code <prefix>/share/defaults/kata-containers/configuration.toml}, unless that is one
     * of the two.
     */
    public static List<Path> defaultPathsUnder(Optional<Path> installPrefix) {
        LinkedHashSet<Path> paths = new LinkedHashSet<>(List.of(ETC_CONFIG, SHARE_CONFIG));
        installPrefix.ifPresent(prefix -> paths.add(
                prefix.resolve("share/defaults/kata-containers/configuration.toml").toAbsolutePath().normalize()));
        return List.copyOf(paths);
    }

    /**
     * The configuration file to load, with symbolic links resolved: Kata reads {@code config.d/} beside the file a
     * link points to, so that {@code configuration.toml -> configuration-qemu.toml} picks up that file's fragments.
     */
    public Path resolve() throws ConfigException {
        if (explicitPath.isPresent()) {
            return existing(explicitPath.get(), "given with " + caller.explicitSource);
        }
        if (kataConfFile.isPresent()) {
            Path path = existing(Path.of(kataConfFile.get()), "named by " + KATA_CONF_FILE);
            if (caller == Caller.SHIM && !isDefault(path)) {
                throw new ConfigException(List.of(new ConfigIssue(path, 0, KATA_CONF_FILE
                        + " may only name one of the default configuration files " + defaultPaths
                        + "; pass another file with the runtime options' ConfigPath")));
            }
            return path;
        }
        List<ConfigIssue> tried = new ArrayList<>();
        for (Path candidate : defaultPaths) {
            if (Files.exists(candidate)) {
                return existing(candidate, "found at a default location");
            }
            tried.add(new ConfigIssue(candidate, 0, "does not exist"));
        }
        throw new ConfigException("no configuration file found (use " + caller.explicitSource + " or "
                + KATA_CONF_FILE + ")", tried);
    }

    private boolean isDefault(Path resolved) throws ConfigException {
        for (Path candidate : defaultPaths) {
            if (Files.exists(candidate) && existing(candidate, "found at a default location").equals(resolved)) {
                return true;
            }
        }
        return false;
    }

    private static Path existing(Path path, String how) throws ConfigException {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigIssue(path.toAbsolutePath(), 0,
                    "cannot use the configuration file " + how + ": " + IoMessages.describe(e))));
        }
    }
}
