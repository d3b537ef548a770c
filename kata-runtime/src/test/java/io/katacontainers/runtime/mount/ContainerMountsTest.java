package io.katacontainers.runtime.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.errdefs.ErrorKind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a container's OCI mounts are planned for the VM: what is shared, what stays the guest's, what is refused. */
class ContainerMountsTest {
    private static final String SHARED = GuestContract.GUEST_SHARED_DIR;

    @TempDir
    Path dir;

    private final HostProbe noMounts = new HostProbe(path -> Optional.empty());

    private static Mount bind(String source, String destination, String... options) {
        return Mount.newBuilder().setType("bind").setSource(source).setDestination(destination)
                .addAllOptions(List.of(options)).build();
    }

    private ContainerMounts.Plan plan(HostProbe host, Mount... mounts) throws Exception {
        return ContainerMounts.plan("pod", "c1", List.of(mounts), Optional.of(dir), true, host);
    }

    @Test
    void aHostDirectoryIsSharedAndItsSourceRewrittenKeepingTheOptions() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        var plan = plan(noMounts, bind(data.toString(), "/data", "rbind", "rw", "rprivate"));

        var share = new ContainerMounts.Share(data.toRealPath(), Path.of("c1/mounts/0-data"),
                SHARED + "/c1/mounts/0-data", true, false, true, false);
        assertEquals(List.of(share), plan.shares());
        assertEquals(List.of(bind(SHARED + "/c1/mounts/0-data", "/data", "rbind", "rw", "rprivate")),
                plan.mounts());
        assertEquals(List.of(), plan.storages());
    }

    @Test
    void aFileBehindASymlinkIsSharedByItsRealPathReadOnlyWhenRo() throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        Path link = Files.createSymbolicLink(dir.resolve("hosts-link"), hosts);
        var plan = plan(noMounts, Mount.newBuilder().setSource(link.toString()).setDestination("/etc/hosts")
                .addAllOptions(List.of("bind", "ro", "rslave")).build());

        var share = plan.shares().getFirst();
        assertEquals(hosts.toRealPath(), share.source(), "symlinks are followed, as Kata does");
        assertFalse(share.directory());
        assertTrue(share.readOnly());
        assertFalse(share.recursive());
        assertTrue(share.slave(), "rslave: mounts under the source later reach the share");
        assertEquals("bind", plan.mounts().getFirst().getType(), "a bind by option becomes type bind");
        assertEquals(SHARED + "/c1/mounts/0-hosts", plan.mounts().getFirst().getSource());
    }

    @Test
    void aRelativeSourceIsTheBundlesAndEachShareHasItsOwnName() throws Exception {
        Files.createDirectories(dir.resolve("vol/a"));
        Files.createDirectories(dir.resolve("vol/b"));
        var plan = plan(noMounts, bind("vol/a", "/x/data"), bind("./vol/b", "/y/data"));
        assertEquals(dir.resolve("vol/a").toRealPath(), plan.shares().get(0).source());
        assertEquals(Path.of("c1/mounts/0-data"), plan.shares().get(0).name());
        assertEquals(Path.of("c1/mounts/1-data"), plan.shares().get(1).name());
    }

    @Test
    void climbingEmptyAndRelativeWithoutABundleSourcesAreRefused() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        var climbing = assertThrows(MountException.class,
                () -> plan(noMounts, bind(dir + "/a/../a", "/data")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, climbing.kind());
        assertTrue(climbing.getMessage().contains("'..'"), climbing.getMessage());
        assertEquals(ErrorKind.INVALID_ARGUMENT,
                assertThrows(MountException.class, () -> plan(noMounts, bind("", "/data"))).kind());
        var noBundle = assertThrows(MountException.class, () -> ContainerMounts.plan("pod", "c1",
                List.of(bind("a", "/data")), Optional.empty(), true, noMounts));
        assertEquals(ErrorKind.INVALID_ARGUMENT, noBundle.kind());
    }

    @Test
    void aRelativeSourceThatASymlinkLeadsOutOfTheBundleIsRefused() throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(bundle.resolve("escape"), outside);
        var refused = assertThrows(MountException.class, () -> ContainerMounts.plan("pod", "c1",
                List.of(bind("escape", "/data")), Optional.of(bundle), true, noMounts));
        assertEquals(ErrorKind.INVALID_ARGUMENT, refused.kind());
        assertTrue(refused.getMessage().contains("the source escape of the bind mount on /data"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("outside it"), refused.getMessage());
        // The same directory named absolutely is the caller's choice, and is shared.
        assertEquals(outside.toRealPath(), ContainerMounts.plan("pod", "c1", List.of(bind(outside.toString(),
                "/data")), Optional.of(bundle), true, noMounts).shares().getFirst().source());
    }

    @Test
    void aMissingSourceIsNotFoundNamingTheMount() {
        var missing = assertThrows(MountException.class,
                () -> plan(noMounts, bind(dir.resolve("gone").toString(), "/data")));
        assertEquals(ErrorKind.NOT_FOUND, missing.kind());
        assertTrue(missing.getMessage().contains(dir.resolve("gone") + " of the bind mount on /data"),
                missing.getMessage());
    }

    @Test
    void procSysAndDevicesAreTheGuestsOwnAndSymlinksToThemAreRefused() throws Exception {
        List<Mount> guestOwn = List.of(bind("/sys/fs/cgroup", "/sys/fs/cgroup", "rbind", "ro"),
                bind("/proc/self", "/host-proc"), bind("/dev/null", "/dev/null"), bind("/dev", "/dev"),
                Mount.newBuilder().setType("proc").setSource("proc").setDestination("/proc").build(),
                Mount.newBuilder().setType("tmpfs").setSource("tmpfs").setDestination("/tmp").build());
        var plan = ContainerMounts.plan("pod", "c1", guestOwn, Optional.of(dir), true, noMounts);
        assertEquals(guestOwn, plan.mounts(), "left as they are");
        assertEquals(List.of(), plan.shares());

        Path link = Files.createSymbolicLink(dir.resolve("escape"), Path.of("/proc/self"));
        var escape = assertThrows(MountException.class, () -> plan(noMounts, bind(link.toString(), "/data")));
        assertEquals(ErrorKind.INVALID_ARGUMENT, escape.kind());
        assertTrue(escape.getMessage().contains("leads to /proc/"), escape.getMessage());
        Path devLink = Files.createSymbolicLink(dir.resolve("null"), Path.of("/dev/null"));
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(MountException.class,
                () -> plan(noMounts, bind(devLink.toString(), "/data"))).kind());
    }

    @Test
    void devShmBecomesTheSandboxsTmpfsSizedAsTheHostsOne() throws Exception {
        Path shm = Files.createDirectories(dir.resolve("sandboxes/pod/shm"));
        var tmpfs = new MountMapProbe(shm, "tmpfs", "rw,size=32768k").probe();
        var plan = plan(tmpfs, bind(shm.toString(), "/dev/shm", "rbind", "ro"));

        assertEquals(List.of(Mount.newBuilder().setType("bind").setSource(GuestContract.GUEST_SHM_DIR)
                .setDestination("/dev/shm").addOptions("rbind").build()), plan.mounts());
        assertEquals(List.of(Storage.newBuilder().setDriver("ephemeral").setSource("shm").setFstype("tmpfs")
                .setMountPoint(GuestContract.GUEST_SHM_DIR)
                .addAllOptions(List.of("noexec", "nosuid", "nodev", "mode=1777", "size=" + (32L << 20))).build()),
                plan.storages());
        assertEquals(List.of(), plan.shares(), "nothing of the host's shm is shared");

        var notTmpfs = plan(noMounts, bind(shm.toString(), "/dev/shm"));
        assertTrue(notTmpfs.storages().getFirst().getOptionsList().contains("size=" + (64L << 20)),
                "Kata's 64 MiB when the host's shm gives no size");
    }

    @Test
    void emptyDirsAreGuestLocalOnDiskOrInMemory() throws Exception {
        Path volumes = Files.createDirectories(dir.resolve("pods/uid/volumes/kubernetes.io~empty-dir"));
        Path cache = Files.createDirectories(volumes.resolve("cache"));
        Path scratch = Files.createDirectories(volumes.resolve("scratch"));
        var host = new MountMapProbe(scratch, "tmpfs", "rw,size=1024k").probe();
        var plan = plan(host, bind(cache.toString(), "/cache", "rbind", "rw"),
                bind(scratch.toString(), "/scratch", "rbind", "rw"));

        String local = SHARED + "/pod/rootfs/local/cache";
        String memory = GuestContract.GUEST_EPHEMERAL_DIR + "/scratch";
        assertEquals(List.of(bind(local, "/cache", "rbind", "rw"), bind(memory, "/scratch", "rbind", "rw")),
                plan.mounts());
        int gid = host.gid(cache);
        List<String> group = gid == 0 ? List.of() : List.of("fsgid=" + gid);
        assertEquals(List.of(
                Storage.newBuilder().setDriver("local").setSource("local").setFstype("local").setMountPoint(local)
                        .addOptions("mode=0777").addAllOptions(group).build(),
                Storage.newBuilder().setDriver("ephemeral").setSource("tmpfs").setFstype("tmpfs")
                        .setMountPoint(memory).addAllOptions(group).build()), plan.storages());
        assertEquals(List.of(), plan.shares());

        var sharedFromHost = ContainerMounts.plan("pod", "c1", List.of(bind(cache.toString(), "/cache", "rbind"),
                bind(scratch.toString(), "/scratch", "rbind")), Optional.empty(), false, host);
        assertEquals(List.of(cache.toRealPath()), sharedFromHost.shares().stream()
                .map(ContainerMounts.Share::source).toList(),
                "disable_guest_empty_dir: a disk-backed emptyDir is shared from the host");
        assertEquals(List.of(memory), sharedFromHost.storages().stream().map(Storage::getMountPoint).toList(),
                "a memory-backed one is the guest's tmpfs either way, as in Kata");
    }

    @Test
    void shareNamesStayInsideTheirDirectory() {
        assertEquals("root", ContainerMounts.safeName("/"));
        assertEquals("my_file.conf", ContainerMounts.safeName("/etc/my file.conf"));
        assertEquals("root", ContainerMounts.safeName("/a/.."));
        assertEquals(Optional.of(65536L * 1024), ContainerMounts.sizeOption(List.of("rw", "size=65536k")));
        assertEquals(Optional.empty(), ContainerMounts.sizeOption(List.of("rw")));
    }

    /** A probe for which one path is a mount point of the given type. */
    private record MountMapProbe(Path point, String type, String superOptions) {
        HostProbe probe() {
            var entry = new MountTable.Entry(point, List.of("rw"), type, List.of(superOptions.split(",")));
            return new HostProbe(path -> path.equals(point) ? Optional.of(entry) : Optional.empty());
        }
    }
}
