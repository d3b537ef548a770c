package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.runtime.agent.AgentDialer;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import io.katacontainers.runtime.persist.StateStore;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * Kata's VM factory, its template half ({@code [factory] enable_template}, {@code template_path}): one VM booted to
 * a ready agent, paused and saved by its driver under {@code template_path}, which new sandboxes start as clones
 * of. The directory holds the driver's files and {@code factory.properties}, this runtime's record (format, build,
 * driver), which a clone checks first: a template of another build is refused and the sandbox boots cold.
 */
public final class VmTemplate {
    /** The runtime's record in the template directory; written last, so its presence means "complete". */
    public static final String MANIFEST = "factory.properties";
    /** Bumped when what the runtime expects of a template changes. */
    static final int FORMAT = 1;
    private static final System.Logger LOG = System.getLogger(VmTemplate.class.getName());
    private static final String TEMPLATE_VM_ID = "factory-template";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * What {@code factory.properties} says.
     *
     * @param format {@link #FORMAT} when written
     * @param runtimeVersion the runtime's version and commit that made the template
     * @param hypervisor the driver's name
     * @param created when it was saved (ISO-8601)
     * @param memoryMiB the guest's RAM
     * @param vcpus the guest's vCPUs
     */
    public record Manifest(int format, String runtimeVersion, String hypervisor, String created, long memoryMiB,
                           int vcpus) {
        void write(Path file) throws IOException {
            Properties properties = new Properties();
            properties.setProperty("format", Integer.toString(format));
            properties.setProperty("runtime_version", runtimeVersion);
            properties.setProperty("hypervisor", hypervisor);
            properties.setProperty("created", created);
            properties.setProperty("memory_mib", Long.toString(memoryMiB));
            properties.setProperty("vcpus", Integer.toString(vcpus));
            try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(out, "VM template made by kata-runtime factory init");
            }
        }

        static Manifest read(Path file) throws IOException {
            Properties properties = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(in);
            }
            try {
                return new Manifest(Integer.parseInt(properties.getProperty("format", "0")),
                        required(properties, "runtime_version"), required(properties, "hypervisor"),
                        required(properties, "created"), Long.parseLong(required(properties, "memory_mib")),
                        Integer.parseInt(required(properties, "vcpus")));
            } catch (NumberFormatException e) {
                throw new IOException("not a number: " + e.getMessage(), e);
            }
        }

        private static String required(Properties properties, String key) throws IOException {
            String value = properties.getProperty(key);
            if (value == null) {
                throw new IOException("no " + key);
            }
            return value;
        }
    }

    private VmTemplate() {
    }

    /** The template directory the configuration names. */
    public static Path dir(KataConfig config) {
        return Path.of(config.factory().templatePath());
    }

    static String buildId() {
        RuntimeVersion version = RuntimeVersion.current();
        return version.semver() + " (commit " + version.commit() + ")";
    }

    /** The template's record, if a complete template is there. */
    public static Optional<Manifest> read(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.empty();
        }
        return Optional.of(Manifest.read(manifest));
    }

    /**
     * {@code kata-runtime factory init}: boots a VM to a ready agent, pauses it and saves it under the template
     * path. It is made in a sibling directory and renamed into place, so a failed init leaves nothing and a clone
     * never sees half a template.
     *
     * @throws HypervisorException when the driver cannot make templates, or the VM failed (nothing is left)
     */
    public static Manifest init(KataConfig config, HypervisorDriver driver)
            throws HypervisorException, AgentException, IOException, InterruptedException {
        Path dir = dir(config);
        if (Files.exists(dir)) {
            throw new IOException("a VM template already exists in " + dir + "; remove it first: kata-runtime "
                    + "factory destroy");
        }
        Files.createDirectories(dir.getParent());
        Path staging = dir.resolveSibling(dir.getFileName() + ".init-" + ProcessHandle.current().pid());
        Path runDir = staging.resolve("run");
        // The guest's memory: readable by root only.
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rwx------")));
        Files.createDirectories(runDir);
        Duration timeout = Duration.ofSeconds(config.agent().dialTimeout());
        try {
            VmSpec spec = VmSpecs.of(TEMPLATE_VM_ID, config.hypervisor(), config.agent(), runDir);
            Optional<String> unsupported = driver.templateUnsupported(spec);
            if (unsupported.isPresent()) {
                throw new HypervisorException(unsupported.get());
            }
            try (Hypervisor vm = driver.createTemplate(spec, staging)) {
                for (Device device : VmSpecs.devices(runDir, config.agent())) {
                    if (device instanceof Device.Vsock) {
                        vm.addDevice(device);
                    }
                }
                vm.start(timeout);
                // The agent answers: ready. The connection closes before the pause, so each clone opens its own.
                AgentDialer.dial(vm, timeout).close();
                vm.pause();
                vm.saveTemplate(timeout);
                vm.stop(STOP_TIMEOUT);
            }
            StateStore.removeTree(runDir);
            Manifest manifest = new Manifest(FORMAT, buildId(), driver.name(), Instant.now().toString(),
                    config.hypervisor().defaultMemory(), spec.vcpus());
            manifest.write(staging.resolve(MANIFEST));
            Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            LOG.log(System.Logger.Level.INFO, "VM template saved in {0}", dir);
            return manifest;
        } finally {
            if (Files.exists(staging)) {
                StateStore.removeTree(staging);
            }
        }
    }

    /** {@code kata-runtime factory destroy}: removes the template; false when there was none. */
    public static boolean destroy(KataConfig config) throws IOException {
        Path dir = dir(config);
        if (!Files.exists(dir)) {
            return false;
        }
        StateStore.removeTree(dir);
        return true;
    }

    /**
     * The template a new sandbox's VM may start from, or why not (the sandbox then boots cold): templates off, none
     * made, one of another build or driver, a driver or a pod (with NICs) that templates cannot serve yet.
     */
    static Result<Path> usable(KataConfig config, HypervisorDriver driver, VmSpec spec, boolean hasNetwork) {
        Path dir = dir(config);
        Optional<String> unsupported = driver.templateUnsupported(spec);
        if (unsupported.isPresent()) {
            return Result.no(unsupported.get());
        }
        if (hasNetwork) {
            return Result.no("the pod has network interfaces, which VM templates do not carry yet");
        }
        Optional<Manifest> manifest;
        try {
            manifest = read(dir);
        } catch (IOException e) {
            return Result.no("the VM template in " + dir + " is corrupt (" + dir.resolve(MANIFEST) + ": "
                    + e.getMessage() + "); remake it: kata-runtime factory destroy && kata-runtime factory init");
        }
        if (manifest.isEmpty()) {
            return Result.no("there is no VM template in " + dir + " (make one: kata-runtime factory init)");
        }
        Manifest made = manifest.get();
        String remake = "; remake it: kata-runtime factory destroy && kata-runtime factory init";
        if (made.format() != FORMAT || !made.runtimeVersion().equals(buildId())) {
            return Result.no("the VM template in " + dir + " was made by another build (" + made.runtimeVersion()
                    + ", format " + made.format() + "; this is " + buildId() + ", format " + FORMAT + ")" + remake);
        }
        if (!made.hypervisor().equals(driver.name())) {
            return Result.no("the VM template in " + dir + " was made by the " + made.hypervisor() + " driver, "
                    + "this sandbox uses " + driver.name() + remake);
        }
        return Result.yes(dir);
    }

    /**
     * A value, or why there is none.
     *
     * @param value present when usable
     * @param why the reason otherwise
     */
    record Result<T>(Optional<T> value, String why) {
        static <T> Result<T> yes(T value) {
            return new Result<>(Optional.of(value), "");
        }

        static <T> Result<T> no(String why) {
            return new Result<>(Optional.empty(), why);
        }
    }
}
