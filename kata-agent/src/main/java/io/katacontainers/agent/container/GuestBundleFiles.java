package io.katacontainers.agent.container;

import io.katacontainers.agent.cgroup.CgroupDir;
import io.katacontainers.agent.mount.Mounter;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.ffm.libc.MountOptions;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.oci.OciSpecJson;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lays out and removes bundles: the host's root path is bind-mounted onto {@code <bundle>/rootfs} (so every bundle
 * looks the same whatever storage holds the root), and the protobuf spec is written as runtime-spec JSON.
 */
final class GuestBundleFiles {
    private final Path stateDir;
    private final Mounter mounter;
    private final String cgroupParent;
    private final JsonFiles json = new JsonFiles();

    GuestBundleFiles(Path stateDir, Mounter mounter, String cgroupParent) {
        this.stateDir = stateDir;
        this.mounter = mounter;
        this.cgroupParent = cgroupParent;
    }

    /** Creates the bundle of container {@code id} from the host's spec; undone completely if anything fails. */
    GuestBundle prepare(String id, Spec spec) throws IOException {
        if (!spec.hasProcess()) {
            throw ErrdefsException.invalidArgument("the spec of container " + id + " has no process");
        }
        Path source = Path.of(spec.getRoot().getPath());
        if (!source.isAbsolute()) {
            throw ErrdefsException.invalidArgument("the root path of container " + id
                    + " must be absolute in the guest: '"
                    + spec.getRoot().getPath() + "'");
        }
        checkBindSources(id, spec);
        var bundle = new GuestBundle(id, stateDir.resolve(id));
        if (Files.exists(bundle.dir())) {
            throw ErrdefsException.alreadyExists("bundle " + bundle.dir() + " exists already");
        }
        Files.createDirectories(bundle.rootfs());
        try {
            mounter.mount(source.toString(), bundle.rootfs(), null, MountOptions.of(Mounts.MS_BIND | Mounts.MS_REC));
            try {
                json.write(OciSpecJson.toJson(GuestSpec.adapt(spec, id, bundle, cgroupParent)), bundle.config());
            } catch (IOException | RuntimeException e) {
                mounter.unmount(bundle.rootfs());
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            try {
                removeFiles(bundle);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return bundle;
    }

    /**
     * Refuses, before anything is made, a bind mount whose source is not in this guest: a host path reaches the
     * guest only as the runtime shared it (under {@link GuestContract#GUEST_SHARED_DIR}), and the OCI runtime would
     * fail later with a less clear error. NOT_FOUND names the mount.
     */
    static void checkBindSources(String id, Spec spec) {
        for (Mount mount : spec.getMountsList()) {
            boolean bind = mount.getType().equals("bind") || mount.getOptionsList().contains("bind")
                    || mount.getOptionsList().contains("rbind");
            if (!bind) {
                continue;
            }
            if (!mount.getSource().startsWith("/")) {
                throw ErrdefsException.invalidArgument("container " + id + ": the bind mount on "
                        + mount.getDestination() + " has the relative source '" + mount.getSource()
                        + "'; the guest needs an absolute path");
            }
            if (!Files.exists(Path.of(mount.getSource()))) {
                throw ErrdefsException.notFound("container " + id + ": the source " + mount.getSource()
                        + " of the bind mount on " + mount.getDestination() + " does not exist in the guest"
                        + (mount.getSource().startsWith(GuestContract.GUEST_SHARED_DIR + "/") ? ""
                        : " (host paths reach the guest only as the runtime shares them, under "
                        + GuestContract.GUEST_SHARED_DIR + ")"));
            }
        }
    }

    /** The cgroup the runtime gives container {@code id} of this spec. */
    CgroupDir cgroupOf(String id, Spec spec) {
        return CgroupDir.of(GuestSpec.cgroupsPath(spec, id, cgroupParent));
    }

    /** Writes the runtime-spec resources of an update, for {@code update --resources}. */
    void writeResources(GuestBundle bundle, LinuxResources resources) throws IOException {
        json.write(OciSpecJson.toJson(resources), bundle.resourcesFile());
    }

    /** Writes the runtime-spec process of an exec. */
    void writeProcess(GuestBundle bundle, String execId, Process process) throws IOException {
        Process complete = process.getCwd().isEmpty() ? process.toBuilder().setCwd("/").build() : process;
        json.write(OciSpecJson.toJson(complete), bundle.processFile(execId));
    }

    /**
     * Unmounts the rootfs and deletes the bundle. Only the agent's own files are deleted and the rootfs directory
     * only once it is empty: a failed unmount must never turn into deleting the container's files.
     */
    void remove(GuestBundle bundle) throws IOException {
        if (mounter.isMountPoint(bundle.rootfs())) {
            mounter.unmount(bundle.rootfs());
        }
        removeFiles(bundle);
    }

    private static void removeFiles(GuestBundle bundle) throws IOException {
        if (!Files.isDirectory(bundle.dir())) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(bundle.dir())) {
            for (Path entry : entries) {
                if (!entry.equals(bundle.rootfs())) {
                    Files.delete(entry);
                }
            }
        }
        Files.deleteIfExists(bundle.rootfs());
        Files.delete(bundle.dir());
    }
}
