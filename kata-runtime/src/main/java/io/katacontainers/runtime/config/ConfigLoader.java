package io.katacontainers.runtime.config;

import io.katacontainers.api.config.AgentConfig;
import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.ConfigSchema;
import io.katacontainers.api.config.FactoryConfig;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.ImplementedKeys;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.Key;
import io.katacontainers.api.config.RuntimeConfig;
import io.katacontainers.api.config.Section;
import io.katacontainers.runtime.config.RawConfig.Setting;
import io.katacontainers.runtime.config.RawConfig.Table;
import io.katacontainers.runtime.config.TomlValues.Conversion;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Loads a configuration file and its {@code config.d/} fragments into a {@link KataConfig}.
 *
 * <p>Fragments are the {@code *.toml} files in {@code config.d/} beside the main file, applied in alphabetical order
 * of their names, each replacing the keys it sets; a missing or empty {@code config.d/} is fine, and a fragment that
 * cannot be read or parsed is an error like a broken main file. Every key is then converted and validated against
 * {@link ConfigSchema}; all problems are reported together, each with file, line, section and key. Unknown tables and
 * keys are not errors (Kata ignores them too) but warnings, kept in {@link KataConfig#warnings()} and logged.
 *
 * <p>Loading reads only the configuration files: whether the kernel, initrd or QEMU binary exist is checked when a
 * sandbox starts, so that {@code kata-runtime env} works on an incomplete installation.
 */
public final class ConfigLoader {

    private static final System.Logger LOG = System.getLogger(ConfigLoader.class.getName());
    private static final String FRAGMENT_DIR = "config.d";
    private static final String FRAGMENT_SUFFIX = ".toml";

    private ConfigLoader() {
    }

    /** What a key this runtime accepts but does not implement, set to a value other than its default, is. */
    public enum Strictness {
        /** A warning: {@code not supported by this runtime: KEY}; the value changes nothing. */
        WARN,
        /** An error ({@code kata-runtime --strict}): the configuration does not load. */
        STRICT;

        /**
         * The environment variable that makes the shim strict ({@value}{@code =true}): containerd starts
         * {@code containerd-shim-kata-v2} with arguments of its own, but with its environment.
         */
        public static final String ENVIRONMENT = "KATA_STRICT_CONFIG";

        /** {@link #STRICT} when {@link #ENVIRONMENT} is {@code true} or {@code 1} in {@code env}, else WARN. */
        public static Strictness fromEnvironment(Map<String, String> env) {
            String value = env.getOrDefault(ENVIRONMENT, "");
            return value.equals("true") || value.equals("1") ? STRICT : WARN;
        }
    }

    /** Finds the configuration file with {@code lookup} and loads it. */
    public static KataConfig load(ConfigLookup lookup) throws ConfigException {
        return load(lookup.resolve());
    }

    /** Finds the configuration file with {@code lookup} and loads it with {@code strictness}. */
    public static KataConfig load(ConfigLookup lookup, Strictness strictness) throws ConfigException {
        return load(lookup.resolve(), strictness);
    }

    /** Loads {@code file} (used as given: resolve links first if its {@code config.d/} is beside the target). */
    public static KataConfig load(Path file) throws ConfigException {
        return load(file, Strictness.WARN);
    }

    /** Loads {@code file}; unimplemented keys set to other values than their defaults as {@code strictness} says. */
    public static KataConfig load(Path file, Strictness strictness) throws ConfigException {
        List<ConfigIssue> errors = new ArrayList<>();
        List<ConfigIssue> warnings = new ArrayList<>();
        Optional<RawConfig> main = parse(file, errors, warnings);
        if (main.isEmpty()) {
            throw new ConfigException(errors);
        }
        RawConfig merged = main.get();
        List<Path> fragments = fragments(file, errors, warnings);
        for (Path fragment : fragments) {
            parse(fragment, errors, warnings).ifPresent(merged::overlay);
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        KataConfig config = new Typing(merged, file, errors,
                warnings, strictness == Strictness.STRICT ? errors : warnings).config(fragments);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        for (ConfigIssue warning : warnings) {
            LOG.log(System.Logger.Level.WARNING, warning.toString());
        }
        return config;
    }

    private static Optional<RawConfig> parse(Path file, List<ConfigIssue> errors, List<ConfigIssue> warnings) {
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            errors.add(new ConfigIssue(file, 0, "cannot read: " + IoMessages.describe(e)));
            return Optional.empty();
        }
        if (toml.hasErrors()) {
            for (TomlParseError error : toml.errors()) {
                int line = error.position() == null ? 0 : error.position().line();
                errors.add(new ConfigIssue(file, line, "TOML syntax error: " + error.getMessage()));
            }
            return Optional.empty();
        }
        return Optional.of(RawConfig.of(toml, file, errors, warnings));
    }

    /** The fragment files beside {@code file}, in the order they apply. */
    private static List<Path> fragments(Path file, List<ConfigIssue> errors, List<ConfigIssue> warnings) {
        Path dir = file.toAbsolutePath().resolveSibling(FRAGMENT_DIR);
        if (!Files.exists(dir)) {
            return List.of();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(entries::add);
        } catch (IOException e) {
            errors.add(new ConfigIssue(dir, 0, "cannot read the fragment directory: " + IoMessages.describe(e)));
            return List.of();
        }
        entries.sort(Comparator.comparing(entry -> entry.getFileName().toString()));
        List<Path> fragments = new ArrayList<>();
        for (Path entry : entries) {
            if (entry.getFileName().toString().endsWith(FRAGMENT_SUFFIX) && !Files.isDirectory(entry)) {
                fragments.add(entry);
            } else {
                warnings.add(new ConfigIssue(entry, 0, "not a *" + FRAGMENT_SUFFIX + " file, ignored"));
            }
        }
        return fragments;
    }

    /** Turns the merged raw tables into typed sections, collecting every problem on the way. */
    private static final class Typing {
        private static final String HYPERVISOR_PREFIX = "hypervisor.";
        private static final String INITRD = "initrd";
        private static final String IMAGE = "image";

        private final RawConfig raw;
        private final Path mainFile;
        private final List<ConfigIssue> errors;
        private final List<ConfigIssue> warnings;
        private final List<ConfigIssue> unsupported;

        Typing(RawConfig raw, Path mainFile, List<ConfigIssue> errors, List<ConfigIssue> warnings,
                List<ConfigIssue> unsupported) {
            this.raw = raw;
            this.mainFile = mainFile;
            this.errors = errors;
            this.warnings = warnings;
            this.unsupported = unsupported;
        }

        KataConfig config(List<Path> fragments) {
            Map<String, HypervisorConfig> hypervisors = new LinkedHashMap<>();
            for (Map.Entry<String, Table> entry : raw.tables().entrySet()) {
                String name = entry.getKey();
                if (name.startsWith(HYPERVISOR_PREFIX)) {
                    String hypervisor = name.substring(HYPERVISOR_PREFIX.length());
                    Optional<Section<? extends HypervisorConfig>> section = ConfigSchema.hypervisor(hypervisor);
                    if (section.isPresent()) {
                        hypervisors.put(hypervisor, typed(section.get()));
                    } else {
                        errors.add(entry.getValue().header().issue("[" + name + "]: unsupported hypervisor; this "
                                + "runtime has " + ConfigSchema.hypervisorNames().stream()
                                .map(h -> "[hypervisor." + h + "]").collect(Collectors.joining(" and "))));
                    }
                }
            }
            AgentConfig agent = typed(ConfigSchema.AGENT);
            RuntimeConfig runtime = typed(ConfigSchema.RUNTIME);
            FactoryConfig factory = typed(ConfigSchema.FACTORY);
            HypervisorConfig hypervisor = select(hypervisors, runtime.hypervisorName());
            KataConfig config = new KataConfig(mainFile, fragments, hypervisor, agent, runtime, factory, warnings);
            errors.addAll(ConfigRules.check(config, this::locate));
            return config;
        }

        /**
         * Kata's Go runtime expects exactly one hypervisor table (with several, which one wins is undefined);
         * Kata's runtime-rs picks one with [runtime] hypervisor_name. Both are honoured: hypervisor_name decides when
         * set, otherwise there must be at most one table, and none means QEMU with defaults, Kata's default.
         */
        private HypervisorConfig select(Map<String, HypervisorConfig> present, String chosen) {
            if (!chosen.isEmpty()) {
                present.keySet().stream().filter(name -> !name.equals(chosen)).forEach(name -> warnings.add(
                        header(HYPERVISOR_PREFIX + name).issue("[" + HYPERVISOR_PREFIX + name
                                + "] is not used: [runtime] hypervisor_name selects " + chosen)));
                return Optional.ofNullable(present.get(chosen))
                        .orElseGet(() -> ConfigSchema.hypervisor(chosen).orElseThrow().defaults());
            }
            if (present.size() > 1) {
                String where = present.keySet().stream()
                        .map(name -> "[" + HYPERVISOR_PREFIX + name + "] at " + header(HYPERVISOR_PREFIX + name))
                        .collect(Collectors.joining(", "));
                errors.add(header(HYPERVISOR_PREFIX + present.keySet().stream().skip(1).findFirst().orElseThrow())
                        .issue("more than one hypervisor table (" + where + "); keep one, or choose with [runtime] "
                                + "hypervisor_name"));
            }
            return present.values().stream().findFirst().orElseGet(ConfigSchema.QEMU::defaults);
        }

        private <R extends Record> R typed(Section<R> section) {
            Table table = raw.tables().get(section.name());
            if (table == null) {
                return section.defaults();
            }
            Map<String, Object> values = new LinkedHashMap<>();
            table.settings().forEach((keyName, setting) -> {
                Optional<Key<?>> key = section.key(keyName);
                if (key.isEmpty()) {
                    warnings.add(setting.origin().issue(section + " " + keyName + ": unknown key, ignored"));
                } else {
                    typedValue(section, key.get(), setting).ifPresent(value -> {
                        values.put(keyName, value);
                        if (!ImplementedKeys.implemented(section.name(), keyName)
                                && !value.equals(key.get().defaultValue())) {
                            unsupported.add(setting.origin().issue("not supported by this runtime: " + keyName
                                    + " (" + section + "; set to " + shown(value) + ", it behaves as with "
                                    + shown(key.get().defaultValue()) + ": remove the line)"));
                        }
                    });
                }
            });
            // The guest root file system is an initrd (our default) or an image. Kata's own files set only image,
            // relying on initrd defaulting to none; so an image set without an initrd replaces the default initrd.
            if (section.key(INITRD).isPresent() && !table.settings().containsKey(INITRD)
                    && values.get(IMAGE) instanceof String image && !image.isEmpty()) {
                values.put(INITRD, "");
            }
            return section.build(values);
        }

        private <T> Optional<T> typedValue(Section<?> section, Key<T> key, Setting setting) {
            String where = section + " " + key.name() + ": ";
            return switch (TomlValues.convert(key.kind(), setting.value())) {
                case Conversion.Mismatch(String problem) -> {
                    errors.add(setting.origin().issue(where + problem));
                    yield Optional.empty();
                }
                case Conversion.Converted(Object value) -> {
                    T typed = key.cast(value);
                    Optional<String> problem = key.check(typed);
                    problem.ifPresent(p -> errors.add(setting.origin().issue(where + p)));
                    yield problem.isPresent() ? Optional.empty() : Optional.of(typed);
                }
            };
        }

        private static String shown(Object value) {
            return value instanceof String text ? "\"" + text + "\"" : String.valueOf(value);
        }

        /** Where a key's value came from: its own line if set, else its table's header, else the main file. */
        private ConfigIssue locate(String section, String key, String message) {
            Table table = raw.tables().get(section);
            Origin origin = table == null ? new Origin(mainFile, 0)
                    : Optional.ofNullable(table.settings().get(key)).map(Setting::origin).orElse(table.header());
            return origin.issue("[" + section + "] " + key + ": " + message);
        }

        private Origin header(String section) {
            return raw.tables().get(section).header();
        }
    }
}
