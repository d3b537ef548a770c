package io.katacontainers.runtime.core;

import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.config.ConfigException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.config.HostLimits;
import io.katacontainers.runtime.config.SandboxAnnotations;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import io.katacontainers.runtime.sandbox.SandboxException;
import io.katacontainers.runtime.sandbox.SandboxSizing;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The one way every front end gets a sandbox: configuration, then hypervisor driver ({@link #plan}, which fails
 * early with a typed error), then sandbox directory ({@link #claimDir}), then VM and agent ({@link #boot}, which
 * leaves nothing behind when a step fails).
 *
 * @param hostname the guest's hostname: the spec's, else the sandbox id
 * @param networkNamespace the pod's network namespace (the spec's {@code network} namespace path), whose veths the
 *                         VM gets; none when the spec names no path
 * @param dns the lines of the file the spec mounts at {@code /etc/resolv.conf} (what containerd's CRI plugin and
 *            Docker give every container), which the agent makes the guest's resolv.conf, as Kata does; none
 *            when the spec mounts none
 * @param cgroupsPath the spec's {@code linux.cgroupsPath}: the pod's cgroup with {@code sandbox_cgroup_only}
 * @param sizing what the workload asks of the VM (the pod's annotations, or a single container's limits)
 */
public record SandboxBootstrap(String id, String hostname, KataConfig config, HypervisorDriver driver,
                               Optional<Path> networkNamespace, List<String> dns, Optional<String> cgroupsPath,
                               SandboxSizing sizing) {
    private static final System.Logger LOG = System.getLogger(SandboxBootstrap.class.getName());
    private static final String RESOLV_CONF = "/etc/resolv.conf";
    /** A resolv.conf is a few lines; anything much larger is not one. */
    private static final long MAX_RESOLV_CONF_BYTES = 64 * 1024;

    public SandboxBootstrap {
        dns = List.copyOf(dns);
    }

    /** This plan with the pod's network namespace at {@code netns} (where a relay made it). */
    public SandboxBootstrap withNetworkNamespace(Path netns) {
        return new SandboxBootstrap(id, hostname, config, driver, Optional.of(netns), dns, cgroupsPath, sizing);
    }

    /** What {@link #claimDir} does with a directory that an earlier sandbox of the same id left. */
    public enum StaleDir {
        /** The id is taken: ALREADY_EXISTS. */
        REFUSE,
        /** The shim's choice: containerd reuses ids after a crash, so what was left is cleaned up. */
        REPLACE
    }

    /** Loads the configuration (keys this runtime does not implement are warned of) and finds its driver. */
    public static SandboxBootstrap plan(String id, Spec spec, ConfigLookup lookup, HypervisorDrivers drivers) {
        return plan(id, spec, lookup, ConfigLoader.Strictness.WARN, drivers);
    }

    /**
     * Loads the configuration and finds its driver; INVALID_ARGUMENT or FAILED_PRECONDITION when either fails.
     *
     * @param strictness what a key this runtime does not implement, set, is ({@code --strict}: an error)
     */
    public static SandboxBootstrap plan(String id, Spec spec, ConfigLookup lookup, ConfigLoader.Strictness strictness,
                                        HypervisorDrivers drivers) {
        try {
            // Kata's io.katacontainers.config_path and io.katacontainers.config.* annotations, per sandbox.
            var annotations = spec.getAnnotationsMap();
            Optional<Path> chosen = SandboxAnnotations.configPath(annotations);
            KataConfig loaded = chosen.isPresent() ? ConfigLoader.load(chosen.get(), strictness)
                    : ConfigLoader.load(lookup, strictness);
            return plan(id, spec, SandboxAnnotations.apply(loaded, annotations), drivers);
        } catch (ConfigException e) {
            throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, e.getMessage(), e);
        }
    }

    /** Finds the configuration's driver: FAILED_PRECONDITION when it is not installed. */
    public static SandboxBootstrap plan(String id, Spec spec, KataConfig config, HypervisorDrivers drivers) {
        StateStore.checkId(id);
        String name = config.hypervisor().hypervisorName();
        HypervisorDriver driver = drivers.find(name).orElseThrow(() -> ErrdefsException.failedPrecondition(
                "no driver for hypervisor '" + name + "' is installed (available: " + drivers.names() + ")"));
        String cgroupsPath = spec.getLinux().getCgroupsPath();
        SandboxSizing sizing = SandboxSizing.of(spec);
        if (config.runtime().staticSandboxResourceMgmt()) {
            try {
                sizing.checkFits(HostLimits.probe(), spec);
            } catch (IllegalArgumentException e) {
                throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, "sandbox " + id + ": " + e.getMessage(), e);
            }
        }
        return new SandboxBootstrap(id, spec.getHostname().isEmpty() ? id : spec.getHostname(), config, driver,
                networkNamespace(spec), dns(spec), cgroupsPath.isEmpty() ? Optional.empty() : Optional.of(cgroupsPath),
                sizing);
    }

    /**
     * The lines of the host file the spec bind-mounts at {@code /etc/resolv.conf} (the last such mount, as Kata's
     * runtime reads it): INVALID_ARGUMENT naming the file when it cannot be read. A relative source (a bundle
     * path, which no CRI or Docker spec has) is not read: the container still gets the file through its mount.
     */
    static List<String> dns(Spec spec) {
        Optional<String> source = spec.getMountsList().stream()
                .filter(m -> m.getDestination().equals(RESOLV_CONF))
                .map(m -> m.getSource()).reduce((first, last) -> last);
        if (source.isEmpty()) {
            return List.of();
        }
        Path file = Path.of(source.get());
        if (!file.isAbsolute()) {
            LOG.log(System.Logger.Level.INFO, "the {0} mount''s source {1} is relative: the guest keeps its own {0}",
                    RESOLV_CONF, file);
            return List.of();
        }
        try {
            if (Files.size(file) > MAX_RESOLV_CONF_BYTES) {
                throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, "the " + RESOLV_CONF + " the spec mounts, "
                        + file + ", is larger than " + MAX_RESOLV_CONF_BYTES + " bytes: not a resolv.conf");
            }
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new ErrdefsException(ErrorKind.INVALID_ARGUMENT, "cannot read " + file + ", the " + RESOLV_CONF
                    + " the spec mounts: " + e.getMessage(), e);
        }
    }

    /**
     * The spec's network namespace path. A spec without one asks for a new, empty namespace (or the host's): no
     * interface of it could reach the VM, so the VM gets no NIC, which is what Kata's scan of a new namespace gives.
     */
    static Optional<Path> networkNamespace(Spec spec) {
        return spec.getLinux().getNamespacesList().stream()
                .filter(ns -> ns.getType().equals("network") && !ns.getPath().isEmpty())
                .map(ns -> Path.of(ns.getPath())).findFirst();
    }

    /** Creates the sandbox's directory in {@code store}; ALREADY_EXISTS when it exists and {@code stale} refuses. */
    public Path claimDir(StateStore store, StaleDir stale) throws IOException, InterruptedException {
        Path dir = store.sandboxDir(id);
        Files.createDirectories(dir.getParent());
        if (stale == StaleDir.REPLACE && Files.exists(dir)) {
            LOG.log(System.Logger.Level.WARNING, "removing what a previous sandbox {0} left in {1}", id, dir);
            SandboxCleanup.cleanUp(dir);
        }
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new ErrdefsException(ErrorKind.ALREADY_EXISTS, "container " + id + " already exists (" + dir
                    + "); remove it with: kata-runtime delete --force " + id, e);
        }
        return dir;
    }

    /** Boots the VM in {@code dir}, dials its agent and sets the sandbox up; on failure {@code dir} is cleaned up. */
    public Sandbox boot(Path dir) throws SandboxException, IOException, InterruptedException {
        try {
            return Sandbox.start(id, hostname, config, driver, dir, networkNamespace, dns, cgroupsPath, sizing);
        } catch (SandboxException | RuntimeException e) {
            SandboxCleanup.cleanUp(dir);
            throw e;
        }
    }
}
