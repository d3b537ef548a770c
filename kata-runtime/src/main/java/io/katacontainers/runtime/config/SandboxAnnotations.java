package io.katacontainers.runtime.config;

import io.katacontainers.api.config.ConfigIssue;
import io.katacontainers.api.config.ConfigSchema;
import io.katacontainers.api.config.HypervisorConfig;
import io.katacontainers.api.config.ImplementedKeys;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.config.Key;
import io.katacontainers.api.config.Section;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Kata's per-sandbox configuration annotations, {@code io.katacontainers.config.<table>.<key>} with the keys'
 * names ({@code hypervisor.default_memory}, {@code agent.dial_timeout}, {@code runtime.internetworking_model}),
 * applied over the loaded configuration for one sandbox, with Kata's rules:
 * <ul>
 *   <li>a hypervisor annotation is taken only when the key matches one of the table's {@code enable_annotations}
 *       regular expressions (the whole key name must match);</li>
 *   <li>a key that names a host program or device ({@code path}, {@code virtio_fs_daemon}, {@code entropy_source})
 *       must also match one of the globs of its {@code valid_*} list, so that whoever creates a pod cannot choose
 *       what the host runs as root;</li>
 *   <li>a key this runtime does not implement, or a value the key's validator refuses, is refused too.</li>
 * </ul>
 * Every refusal is an error that names the annotation; nothing is applied then.
 */
public final class SandboxAnnotations {
    /** Prefix of the configuration annotations. */
    public static final String PREFIX = "io.katacontainers.config.";
    /** Kata's annotation that names the configuration file for the sandbox. */
    public static final String CONFIG_PATH = "io.katacontainers.config_path";

    /** The restricted keys of a hypervisor table and the list of globs their value must match. */
    private static final Map<String, String> RESTRICTED = Map.of(
            "path", "valid_hypervisor_paths",
            "virtio_fs_daemon", "valid_virtio_fs_daemon_paths",
            "entropy_source", "valid_entropy_sources");

    private SandboxAnnotations() {
    }

    /** Hypervisor keys whose value is a host path: a {@code ..} in one is refused, whatever the globs allow. */
    private static final java.util.Set<String> PATH_KEYS = java.util.Set.of("path", "kernel", "initrd", "image",
            "firmware", "virtio_fs_daemon", "entropy_source", "guest_hook_path", "jailer_path", "ctlpath",
            "file_mem_backend");
    /** Hypervisor keys that size the VM in CPUs, and in MiB of memory: bounded by the host's. */
    private static final java.util.Set<String> CPU_KEYS = java.util.Set.of("default_vcpus", "default_maxvcpus");
    private static final java.util.Set<String> MEMORY_KEYS = java.util.Set.of("default_memory", "default_maxmemory");

    /**
     * The file {@value #CONFIG_PATH} names, if the annotations carry it: refused when it is relative or climbs
     * ({@code ..}), since whoever writes a pod's annotations chooses it.
     */
    public static Optional<Path> configPath(Map<String, String> annotations) throws ConfigException {
        Optional<String> value = Optional.ofNullable(annotations.get(CONFIG_PATH)).filter(p -> !p.isBlank());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(value.get());
        if (!path.isAbsolute() || climbs(value.get())) {
            throw new ConfigException(List.of(new ConfigIssue(path, 0, "annotation " + CONFIG_PATH + ": "
                    + value.get() + " is " + (path.isAbsolute() ? "a path with '..'" : "relative")
                    + ": give the configuration file's absolute path, without '..'")));
        }
        return Optional.of(path);
    }

    private static boolean climbs(String path) {
        return java.util.Arrays.asList(path.split("/")).contains("..");
    }

    /**
     * The configuration with the annotations applied.
     *
     * @throws ConfigException naming every refused annotation, when one is refused
     */
    public static KataConfig apply(KataConfig config, Map<String, String> annotations) throws ConfigException {
        return apply(config, annotations, HostLimits.probe());
    }

    /** {@link #apply} with the host's limits given: sizes beyond them are refused. */
    public static KataConfig apply(KataConfig config, Map<String, String> annotations, HostLimits host)
            throws ConfigException {
        HypervisorConfig hypervisor = config.hypervisor();
        Section<? extends HypervisorConfig> hvSection = ConfigSchema.hypervisor(hypervisor.hypervisorName())
                .orElseThrow();
        Map<String, Object> hv = new LinkedHashMap<>();
        Map<String, Object> agent = new LinkedHashMap<>();
        Map<String, Object> runtime = new LinkedHashMap<>();
        List<ConfigIssue> refused = new ArrayList<>();
        Map<String, Object> hvSettings = settings(hvSection, hypervisor);
        for (var annotation : annotations.entrySet()) {
            String name = annotation.getKey();
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String rest = name.substring(PREFIX.length());
            int dot = rest.indexOf('.');
            String table = dot < 0 ? rest : rest.substring(0, dot);
            String key = dot < 0 ? "" : rest.substring(dot + 1);
            Optional<String> problem = switch (table) {
                case "hypervisor" -> hypervisorProblem(hvSection, hvSettings, key, annotation.getValue())
                        .or(() -> convert(hvSection, key, annotation.getValue(), hv))
                        .or(() -> sizeProblem(key, hv.get(key), host));
                case "agent" -> convert(ConfigSchema.AGENT, key, annotation.getValue(), agent);
                case "runtime" -> convert(ConfigSchema.RUNTIME, key, annotation.getValue(), runtime);
                default -> Optional.of("unknown annotation: this runtime takes " + PREFIX + "hypervisor.*, agent.* "
                        + "and runtime.*");
            };
            problem.ifPresent(p -> refused.add(new ConfigIssue(config.file(), 0, "annotation " + name + ": " + p)));
        }
        if (!refused.isEmpty()) {
            throw new ConfigException(refused);
        }
        if (hv.isEmpty() && agent.isEmpty() && runtime.isEmpty()) {
            return config;
        }
        return new KataConfig(config.file(), config.fragments(), rebuild(hvSection, hypervisor, hv),
                rebuild(ConfigSchema.AGENT, config.agent(), agent),
                rebuild(ConfigSchema.RUNTIME, config.runtime(), runtime), config.factory(), config.warnings());
    }

    /** A VM size an annotation asks for that no VM of this host can have. */
    private static Optional<String> sizeProblem(String key, Object value, HostLimits host) {
        if (!(value instanceof Number number)) {
            return Optional.empty();
        }
        if (CPU_KEYS.contains(key) && (number.doubleValue() < 0 || number.doubleValue() > host.cpus())) {
            return Optional.of(number + " vCPUs is not between 0 and the host's " + host.cpus() + " CPUs");
        }
        if (MEMORY_KEYS.contains(key) && (number.longValue() < 0 || number.longValue() > host.memoryMiB())) {
            return Optional.of(number + " MiB is not between 0 and the host's " + host.memoryMiB() + " MiB of memory");
        }
        return Optional.empty();
    }

    private static Optional<String> hypervisorProblem(Section<?> section, Map<String, Object> current, String key,
                                                      String value) {
        if (PATH_KEYS.contains(key) && climbs(value)) {
            return Optional.of(value + " contains '..': give the host path without it");
        }
        @SuppressWarnings("unchecked") // enable_annotations is a string list in both hypervisor tables.
        List<String> enabled = (List<String>) current.getOrDefault("enable_annotations", List.of());
        boolean allowed = enabled.stream().anyMatch(regex -> {
            try {
                return Pattern.compile(regex).matcher(key).matches();
            } catch (PatternSyntaxException e) {
                return false; // the loader's validator refuses a bad pattern before we get here
            }
        });
        if (!allowed) {
            return Optional.of("not enabled: add \"" + key + "\" to enable_annotations in " + section
                    + " to allow it (enabled: " + enabled + ")");
        }
        String listKey = RESTRICTED.get(key);
        if (listKey != null) {
            @SuppressWarnings("unchecked") // every valid_* list is a string list
            List<String> globs = (List<String>) current.getOrDefault(listKey, List.of());
            boolean valid = globs.stream().anyMatch(glob -> glob.isEmpty() ? value.isEmpty()
                    : FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(value)));
            if (!valid) {
                return Optional.of(value + " is not in " + listKey + " " + globs + " of " + section);
            }
        }
        return Optional.empty();
    }

    /** Converts the annotation's text to the key's type and checks it; the value lands in {@code into}. */
    private static Optional<String> convert(Section<?> section, String keyName, String text,
                                            Map<String, Object> into) {
        Optional<Key<?>> key = section.key(keyName);
        if (key.isEmpty()) {
            return Optional.of(section + " has no key " + keyName);
        }
        if (!ImplementedKeys.implemented(section.name(), keyName)) {
            return Optional.of("not supported by this runtime: " + keyName);
        }
        Object value;
        try {
            value = switch (key.get().kind()) {
                case BOOLEAN -> switch (text) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException("expected true or false, found \"" + text + "\"");
                };
                case INTEGER -> Integer.parseInt(text.trim());
                case LONG -> Long.parseLong(text.trim());
                case NUMBER -> Double.parseDouble(text.trim());
                case STRING -> text;
                case STRING_LIST -> List.of(text.trim().split("\\s+"));
            };
        } catch (IllegalArgumentException e) {
            return Optional.of("cannot read \"" + text + "\" as " + key.get().kind().description() + ": "
                    + e.getMessage());
        }
        Optional<String> problem = check(key.get(), value);
        if (problem.isEmpty()) {
            into.put(keyName, value);
        }
        return problem;
    }

    private static <T> Optional<String> check(Key<T> key, Object value) {
        return key.check(key.cast(value));
    }

    @SuppressWarnings("unchecked") // the section is the record's own
    private static <R extends Record> Map<String, Object> settings(Section<R> section, Object record) {
        return section.settings((R) record);
    }

    @SuppressWarnings("unchecked") // the section is the record's own
    private static <R extends Record> R rebuild(Section<R> section, Object record, Map<String, Object> changes) {
        if (changes.isEmpty()) {
            return (R) record;
        }
        Map<String, Object> values = new LinkedHashMap<>(section.settings((R) record));
        values.putAll(changes);
        return section.build(values);
    }
}
