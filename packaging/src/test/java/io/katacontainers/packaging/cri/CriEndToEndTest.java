package io.katacontainers.packaging.cri;

import io.katacontainers.packaging.cri.proto.ContainerConfig;
import io.katacontainers.packaging.cri.proto.ContainerMetadata;
import io.katacontainers.packaging.cri.proto.ContainerState;
import io.katacontainers.packaging.cri.proto.ContainerStatsFilter;
import io.katacontainers.packaging.cri.proto.ContainerStatsRequest;
import io.katacontainers.packaging.cri.proto.ContainerStatusRequest;
import io.katacontainers.packaging.cri.proto.CreateContainerRequest;
import io.katacontainers.packaging.cri.proto.DNSConfig;
import io.katacontainers.packaging.cri.proto.ExecSyncRequest;
import io.katacontainers.packaging.cri.proto.ExecSyncResponse;
import io.katacontainers.packaging.cri.proto.ImageSpec;
import io.katacontainers.packaging.cri.proto.LinuxContainerResources;
import io.katacontainers.packaging.cri.proto.LinuxPodSandboxConfig;
import io.katacontainers.packaging.cri.proto.ListContainerStatsRequest;
import io.katacontainers.packaging.cri.proto.Mount;
import io.katacontainers.packaging.cri.proto.PodSandboxConfig;
import io.katacontainers.packaging.cri.proto.PodSandboxMetadata;
import io.katacontainers.packaging.cri.proto.PodSandboxState;
import io.katacontainers.packaging.cri.proto.PodSandboxStatusRequest;
import io.katacontainers.packaging.cri.proto.RemoveContainerRequest;
import io.katacontainers.packaging.cri.proto.RemovePodSandboxRequest;
import io.katacontainers.packaging.cri.proto.RunPodSandboxRequest;
import io.katacontainers.packaging.cri.proto.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.katacontainers.packaging.cri.proto.StartContainerRequest;
import io.katacontainers.packaging.cri.proto.StopContainerRequest;
import io.katacontainers.packaging.cri.proto.StopPodSandboxRequest;
import io.katacontainers.packaging.cri.proto.UpdateContainerResourcesRequest;
import io.katacontainers.packaging.cri.proto.VersionRequest;
import io.katacontainers.packaging.e2e.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pod through containerd's CRI plugin, as kubelet drives it, with handler {@code kata} and with {@code runc} as
 * the control in the same test: the sandbox, two containers, exec, status, stats, update, volumes (a host
 * directory read-write and read-only, a single file, an emptyDir shared by both containers), the /etc/hosts,
 * /etc/resolv.conf and hostname CRI gave, then the teardown kubelet does; and kubeadm reset's case (the shim
 * SIGKILLed, then StopPodSandbox and RemovePodSandbox) leaving nothing.
 */
class CriEndToEndTest {
    private static final String BUSYBOX = "docker.io/library/kata-busybox:test";
    private static final String PAUSE = "docker.io/library/kata-pause:test";

    @TempDir
    static Path work;
    private static CriContainerd cri;
    private static final List<String> pods = new ArrayList<>();
    /** Cgroups (below each hierarchy's root) the test made or expects the runtime to remove, removed after all. */
    private static final List<String> cgroups = new ArrayList<>();
    private static final long POD_MEMORY_MIB = 256;
    private static final long DEFAULT_MEMORY_MIB = 2048;

    @BeforeAll
    static void startContainerd() throws Exception {
        Sandboxes.requireBuiltTree();
        // Kubernetes' settings: the pod in its host cgroup, the VM sized from the pod's resources.
        String shipped = Sandboxes.shippedConfigForSlowGuests();
        String kubernetes = shipped.replaceFirst("\nsandbox_cgroup_only = false\n", "\nsandbox_cgroup_only = true\n")
                .replaceFirst("\nstatic_sandbox_resource_mgmt = false\n", "\nstatic_sandbox_resource_mgmt = true\n");
        assertEquals(2, kubernetes.lines().filter(line -> line.equals("sandbox_cgroup_only = true")
                || line.equals("static_sandbox_resource_mgmt = true")).count(), "the shipped file has both keys");
        Path config = Files.writeString(work.resolve("configuration.toml"), kubernetes);
        cri = CriContainerd.start(Files.createDirectories(work.resolve("containerd")),
                "mounts-cri-" + ProcessHandle.current().pid(), Sandboxes.REPO, Sandboxes.DIST.resolve("bin"), config,
                PAUSE);
        cri.importImage(Sandboxes.REPO, PAUSE, "sleep", "1000000");
        cri.importImage(Sandboxes.REPO, BUSYBOX, "sh");
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (cri == null) {
            return;
        }
        try {
            for (String pod : pods) {
                try {
                    cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                    cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod)
                            .build());
                } catch (RuntimeException e) {
                    System.err.println("CriEndToEndTest: cannot remove pod " + pod + ": " + e);
                }
            }
        } finally {
            cri.close();
            for (String cgroup : cgroups) {
                HostCgroups.remove(cgroup);
            }
        }
    }

    private static PodSandboxConfig podConfig(String name) throws Exception {
        return podConfig(name, LinuxPodSandboxConfig.getDefaultInstance());
    }

    /** @param linux the pod's cgroup parent (kubelet's pod cgroup) and resources, as kubelet gives them */
    private static PodSandboxConfig podConfig(String name, LinuxPodSandboxConfig linux) throws Exception {
        return PodSandboxConfig.newBuilder()
                .setLinux(linux)
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(name + "-uid")
                        .setNamespace("default"))
                .setHostname(name)
                .setLogDirectory(Files.createDirectories(work.resolve("logs").resolve(name)).toString())
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.123.45.53").addSearches("mounts.test"))
                .build();
    }

    private static String runPod(String handler, PodSandboxConfig config) {
        String id = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
        pods.add(id);
        return id;
    }

    private static String startContainer(String pod, PodSandboxConfig podConfig, String name, List<Mount> mounts) {
        RuntimeServiceBlockingStub runtime = cri.runtime();
        String id = runtime.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setSandboxConfig(podConfig)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage(BUSYBOX))
                        .addAllCommand(List.of("sleep", "100000"))
                        .setLogPath(name + ".log")
                        .addAllMounts(mounts))
                .build()).getContainerId();
        runtime.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    private static ExecSyncResponse exec(String container, String script) {
        return cri.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(container)
                .addAllCmd(List.of("sh", "-c", script)).setTimeout(120).build());
    }

    private static String out(ExecSyncResponse response) {
        return response.getStdout().toString(StandardCharsets.UTF_8);
    }

    private static Mount mount(Path host, String container, boolean readOnly) {
        return Mount.newBuilder().setHostPath(host.toString()).setContainerPath(container).setReadonly(readOnly)
                .build();
    }

    @Test
    void aPodWithVolumesRunsThroughCriWithKataAsWithRunc() throws Exception {
        var version = cri.runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
        assertEquals("containerd", version.getRuntimeName());
        assertEquals("v1", version.getRuntimeApiVersion());
        for (String handler : List.of("runc", "kata")) {
            pod(handler);
        }
    }

    private void pod(String handler) throws Exception {
        String name = "mounts-" + handler;
        Path volumes = Files.createDirectories(work.resolve("volumes-" + handler));
        Path rw = Files.createDirectories(volumes.resolve("rw"));
        Files.writeString(rw.resolve("from-host"), "host-data\n");
        Path ro = Files.createDirectories(volumes.resolve("ro"));
        Files.writeString(ro.resolve("kept"), "kept\n");
        Path file = Files.writeString(volumes.resolve("config.txt"), "single-file\n");
        Path emptyDir = Files.createDirectories(volumes.resolve("pods/uid/volumes/kubernetes.io~empty-dir/shared"));

        // kubelet's pod cgroup (cgroupfs driver), made before the pod as kubelet does; the pod asks for half a CPU
        // and 256 MiB, which containerd puts on the sandbox as its sizing annotations.
        String podCgroup = "kata-cri-" + ProcessHandle.current().pid() + "-" + handler;
        HostCgroups.make(podCgroup);
        cgroups.add(podCgroup);
        PodSandboxConfig config = podConfig(name, LinuxPodSandboxConfig.newBuilder().setCgroupParent("/" + podCgroup)
                .setResources(LinuxContainerResources.newBuilder().setCpuPeriod(100_000).setCpuQuota(50_000)
                        .setMemoryLimitInBytes(POD_MEMORY_MIB << 20)).build());
        String pod = runPod(handler, config);
        var status = cri.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
                .build()).getStatus();
        assertEquals(PodSandboxState.SANDBOX_READY, status.getState(), handler);
        assertEquals(handler, status.getRuntimeHandler());

        String first = startContainer(pod, config, "first", List.of(mount(rw, "/rw", false),
                mount(ro, "/ro", true), mount(file, "/etc/config.txt", true), mount(emptyDir, "/shared", false)));
        String second = startContainer(pod, config, "second", List.of(mount(emptyDir, "/shared", false)));

        String hostKernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        String kernel = out(exec(first, "uname -r")).trim();
        assertEquals(handler.equals("kata"), !kernel.equals(hostKernel),
                handler + ": kata's pod runs the guest's kernel, runc's the host's: " + kernel);
        assertEquals(handler.equals("kata"), Files.isDirectory(Path.of("/run/vc/sbs", pod)), handler);
        if (handler.equals("kata")) {
            String sandboxCgroup = podCgroup + "/kata_" + pod;
            HostCgroups.assertHoldsThePod(sandboxCgroup, pod);
            // static_sandbox_resource_mgmt: default_vcpus 1 + 0.5 rounded up, default_memory + 256 MiB. The CPUs
            // are checked on QEMU's command line: the shipped q35 guest (no ACPI) brings up only its first CPU.
            String qemu = ProcessHandle.allProcesses().map(process -> process.info().commandLine().orElse(""))
                    .filter(line -> line.contains("qemu-system") && line.contains("/run/vc/sbs/" + pod))
                    .findFirst().orElseThrow();
            assertTrue(qemu.contains(" -smp 2 "), "the VM gets 2 vCPUs: " + qemu);
            ExecSyncResponse size = exec(first, "grep MemTotal /proc/meminfo");
            long memTotalKib = Long.parseLong(out(size).replaceAll("[^0-9]", ""));
            assertTrue(memTotalKib > DEFAULT_MEMORY_MIB * 1024, "the guest has more than default_memory "
                    + "(2048 MiB) with the pod's 256 MiB added: " + size);
        }
        ExecSyncResponse read = exec(first, "cat /rw/from-host /ro/kept /etc/config.txt");
        assertEquals("host-data\nkept\nsingle-file\n", out(read), handler + ": " + read);
        ExecSyncResponse write = exec(first, "echo from-pod > /rw/from-pod && echo one > /shared/note");
        assertEquals(0, write.getExitCode(), handler + ": " + write);
        assertEquals("from-pod\n", Files.readString(rw.resolve("from-pod")), handler);
        ExecSyncResponse refused = exec(first, "echo no > /ro/new");
        assertTrue(refused.getExitCode() != 0 && refused.getStderr().toStringUtf8().contains("Read-only"),
                handler + ": the read-only volume refuses writes: " + refused);
        ExecSyncResponse shared = exec(second, "cat /shared/note");
        assertEquals("one\n", out(shared), handler + ": the emptyDir is the pod's: " + shared);
        assertEquals("one\n", Files.readString(emptyDir.resolve("note")),
                handler + ": with the shipped disable_guest_empty_dir = true the emptyDir is the host's, as with runc");
        ExecSyncResponse etc = exec(second, "hostname; cat /etc/resolv.conf; grep ' /dev/shm ' /proc/mounts");
        assertTrue(out(etc).startsWith(name + "\n"), handler + ": the pod's hostname: " + etc);
        assertTrue(out(etc).contains("nameserver 10.123.45.53") && out(etc).contains("search mounts.test"),
                handler + ": resolv.conf as CRI gave it: " + etc);
        assertTrue(out(etc).contains(" /dev/shm tmpfs "), handler + ": the pod's shm is a tmpfs: " + etc);
        Path hosts = work.resolve("containerd/root/io.containerd.grpc.v1.cri/sandboxes").resolve(pod)
                .resolve("hosts");
        assertEquals(Files.readString(hosts), out(exec(second, "cat /etc/hosts")), handler + ": CRI's /etc/hosts");

        var containerStatus = cri.runtime().containerStatus(ContainerStatusRequest.newBuilder()
                .setContainerId(first).build()).getStatus();
        assertEquals(ContainerState.CONTAINER_RUNNING, containerStatus.getState(), handler);
        assertEquals(4, containerStatus.getMountsCount(), handler);
        var stats = cri.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(first).build())
                .getStats();
        assertEquals(first, stats.getAttributes().getId());
        assertTrue(stats.getMemory().getWorkingSetBytes().getValue() > 0, handler + ": " + stats);
        var all = cri.runtime().listContainerStats(ListContainerStatsRequest.newBuilder()
                .setFilter(ContainerStatsFilter.newBuilder().setPodSandboxId(pod)).build());
        assertEquals(2, all.getStatsCount(), handler + ": " + all);
        cri.runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(first)
                .setLinux(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(256L << 20)).build());

        for (String container : List.of(first, second)) {
            cri.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(container).setTimeout(5)
                    .build());
            assertEquals(ContainerState.CONTAINER_EXITED, cri.runtime().containerStatus(ContainerStatusRequest
                    .newBuilder().setContainerId(container).build()).getStatus().getState(), handler);
            cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build());
        }
        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        pods.remove(pod);
        if (handler.equals("kata")) {
            await("the shim of " + pod + " to go", () -> !Files.exists(Path.of("/run/vc/sbs", pod)));
            Sandboxes.assertNothingLeft(pod);
            HostCgroups.assertGone(podCgroup + "/kata_" + pod);
            assertTrue(HostCgroups.exists(podCgroup), "kubelet's pod cgroup stays");
            await("the shim of " + pod + " to exit", () -> shims(pod).isEmpty());
        }
        HostCgroups.remove(podCgroup);
        cgroups.remove(podCgroup);
        assertEquals("host-data\n", Files.readString(rw.resolve("from-host")));
        assertFalse(Files.exists(ro.resolve("new")));
    }

    @Test
    void afterTheShimIsKilledStopAndRemovePodSandboxSucceedAndLeaveNothing() throws Exception {
        // The systemd driver's cgroup parent, a slice: containerd gives the sandbox slice:cri-containerd:<id>, the
        // scope cri-containerd-<id>.scope in it. Nothing made the slice: the runtime makes both, and removes both.
        String slice = "kata_cri_" + ProcessHandle.current().pid() + ".slice";
        cgroups.add(slice);
        PodSandboxConfig config = podConfig("mounts-reset", LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent(slice).build());
        String pod = runPod("kata", config);
        Path rw = Files.createDirectories(work.resolve("reset-rw"));
        String app = startContainer(pod, config, "app", List.of(mount(rw, "/rw", false)));
        HostCgroups.assertHoldsThePod(slice + "/cri-containerd-" + pod + ".scope", pod);
        ExecSyncResponse size = exec(app, "grep MemTotal /proc/meminfo");
        assertTrue(Long.parseLong(out(size).replaceAll("[^0-9]", "")) <= DEFAULT_MEMORY_MIB * 1024,
                "a pod without resources keeps default_memory: " + size);
        List<ProcessHandle> shims = shims(pod);
        assertEquals(1, shims.size(), "one shim serves the pod");
        assertTrue(Files.isDirectory(Path.of("/run/vc/sbs", pod)), "the pod's VM runs");
        shims.getFirst().destroyForcibly();
        await("the shim to die", () -> !shims.getFirst().isAlive());

        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        pods.remove(pod);
        try {
            await("the sandbox of " + pod + " to go", () -> !Files.exists(Path.of("/run/vc/sbs", pod)));
        } catch (AssertionError e) {
            String log = cri.log().lines().filter(line -> line.contains(pod.substring(0, 12)) || line.contains("shim"))
                    .collect(java.util.stream.Collectors.joining("\n"));
            throw new AssertionError(e.getMessage() + "; containerd's log about it:\n" + log, e);
        }
        Sandboxes.assertNothingLeft(pod);
        HostCgroups.assertGone(slice);
        cgroups.remove(slice);
        assertTrue(Files.isDirectory(rw), "the host's volume stays");
    }

    private static List<ProcessHandle> shims(String pod) {
        return ProcessHandle.allProcesses().filter(process -> process.info().arguments()
                .map(args -> String.join(" ", args))
                .filter(line -> line.contains("ShimMain") && line.contains("-id " + pod)).isPresent()).toList();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
