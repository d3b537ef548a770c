package io.katacontainers.agent.container;

import io.katacontainers.agent.proto.LinuxNamespace;
import io.katacontainers.agent.proto.Root;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.system.NetworkSysctls;
import java.util.List;

/**
 * Rewrites the spec the host sent into the one the runtime in this guest runs. The host cannot know guest paths
 * and namespaces, so (like Kata's agent):
 * <ul>
 *   <li>the root is the bundle's rootfs, onto which the host's root path is bind-mounted;</li>
 *   <li>namespace paths refer to host namespaces and are dropped; the network namespace is dropped entirely, the
 *       containers share the VM's network namespace; every container gets a new pid namespace;</li>
 *   <li>the {@code net.*} sysctls are taken out: they belong to that shared namespace, where the agent applies them
 *       ({@link io.katacontainers.agent.system.NetworkSysctls}), and the runtime would refuse them;</li>
 *   <li>the cgroup is one subtree per container under the agent's cgroup parent unless the spec names an
 *       absolute cgroupfs path (systemd's {@code slice:prefix:name} form has no meaning without systemd).</li>
 * </ul>
 */
final class GuestSpec {
    private static final List<String> DROPPED_NAMESPACES = List.of("network", "cgroup");
    private static final String DEFAULT_VERSION = "1.0.2";

    private GuestSpec() {
    }

    static Spec adapt(Spec spec, String containerId, GuestBundle bundle, String cgroupParent) {
        var builder = spec.toBuilder();
        if (builder.getVersion().isEmpty()) {
            builder.setVersion(DEFAULT_VERSION);
        }
        builder.setRoot(Root.newBuilder().setPath(bundle.rootfs().toString())
                .setReadonly(spec.getRoot().getReadonly()));
        var linux = builder.getLinuxBuilder();
        var namespaces = linux.getNamespacesList().stream()
                .filter(ns -> !DROPPED_NAMESPACES.contains(ns.getType()) && !ns.getType().equals("pid"))
                .map(ns -> ns.toBuilder().clearPath().build())
                .toList();
        linux.clearNamespaces().addAllNamespaces(namespaces)
                .addNamespaces(LinuxNamespace.newBuilder().setType("pid"));
        NetworkSysctls.of(linux.getSysctlMap()).keySet().forEach(linux::removeSysctl);
        linux.setCgroupsPath(cgroupsPath(spec, containerId, cgroupParent));
        if (builder.getProcessBuilder().getCwd().isEmpty()) {
            builder.getProcessBuilder().setCwd("/");
        }
        return builder.build();
    }

    /** The container's cgroup: the spec's if it is an absolute cgroupfs path, else {@code <parent>/<id>}. */
    static String cgroupsPath(Spec spec, String containerId, String cgroupParent) {
        String requested = spec.getLinux().getCgroupsPath();
        return requested.startsWith("/") && !requested.contains(":") ? requested : cgroupParent + "/" + containerId;
    }
}
