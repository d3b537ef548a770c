package io.katacontainers.agent.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.agent.proto.Linux;
import io.katacontainers.agent.proto.LinuxNamespace;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Root;
import io.katacontainers.agent.proto.Spec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestSpecTest {
    private final GuestBundle bundle = new GuestBundle("c1", Path.of("/run/kata-containers/c1"));

    private static Spec hostSpec(String cgroupsPath) {
        return Spec.newBuilder()
                .setRoot(Root.newBuilder().setPath("/run/kata-containers/shared/containers/c1/rootfs")
                        .setReadonly(true))
                .setProcess(Process.newBuilder().addArgs("sh"))
                .setLinux(Linux.newBuilder().setCgroupsPath(cgroupsPath)
                        .putSysctl("net.ipv4.ip_unprivileged_port_start", "0")
                        .putSysctl("kernel.shmmax", "4096")
                        .addNamespaces(LinuxNamespace.newBuilder().setType("network").setPath("/var/run/netns/cni-1"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("ipc").setPath("/proc/42/ns/ipc"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("pid").setPath("/proc/42/ns/pid"))
                        .addNamespaces(LinuxNamespace.newBuilder().setType("mount")))
                .build();
    }

    @Test
    void theGuestSpecRunsFromTheBundleInFreshNamespacesAndItsOwnCgroup() {
        Spec spec = GuestSpec.adapt(hostSpec("kubepods-besteffort.slice:cri-containerd:c1"), "c1", bundle, "/kata");
        assertEquals("/run/kata-containers/c1/rootfs", spec.getRoot().getPath());
        assertEquals(true, spec.getRoot().getReadonly());
        assertEquals(List.of("ipc", "mount", "pid"),
                spec.getLinux().getNamespacesList().stream().map(LinuxNamespace::getType).toList());
        assertEquals(List.of("", "", ""),
                spec.getLinux().getNamespacesList().stream().map(LinuxNamespace::getPath).toList());
        assertEquals("/kata/c1", spec.getLinux().getCgroupsPath());
        assertEquals("/", spec.getProcess().getCwd());
        assertEquals("1.0.2", spec.getVersion());
    }

    @Test
    void networkSysctlsLeaveTheSpecForTheSharedNamespaceOthersStay() {
        Spec spec = GuestSpec.adapt(hostSpec(""), "c1", bundle, "/kata");
        assertEquals(java.util.Map.of("kernel.shmmax", "4096"), spec.getLinux().getSysctlMap());
    }

    @Test
    void anAbsoluteCgroupfsPathIsKept() {
        assertEquals("/pod/c1", GuestSpec.adapt(hostSpec("/pod/c1"), "c1", bundle, "/kata").getLinux()
                .getCgroupsPath());
        assertEquals("/kata/c1", GuestSpec.adapt(hostSpec(""), "c1", bundle, "/kata").getLinux().getCgroupsPath());
    }
}
