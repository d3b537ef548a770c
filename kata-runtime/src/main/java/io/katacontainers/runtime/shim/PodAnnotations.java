package io.katacontainers.runtime.shim;

import java.util.Map;
import java.util.Optional;

/**
 * Which sandbox a container belongs to, from the CRI annotations of its spec: containerd's CRI plugin
 * ({@code io.kubernetes.cri.container-type}/{@code sandbox-id}) or CRI-O's ({@code io.kubernetes.cri-o.ContainerType}/
 * {@code SandboxID}), as Kata reads them. A container of type {@code container} joins the sandbox named there;
 * anything else (the sandbox, or a container outside Kubernetes) starts a pod.
 */
public record PodAnnotations(Optional<String> sandboxId) {
    public static final String CONTAINER_TYPE = "io.kubernetes.cri.container-type";
    public static final String SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
    public static final String CRIO_CONTAINER_TYPE = "io.kubernetes.cri-o.ContainerType";
    public static final String CRIO_SANDBOX_ID = "io.kubernetes.cri-o.SandboxID";
    public static final String TYPE_CONTAINER = "container";
    /** The type of the pod's sandbox (pause) container, for both containerd and CRI-O. */
    public static final String TYPE_SANDBOX = "sandbox";

    public static PodAnnotations of(Map<String, String> annotations) {
        if (TYPE_CONTAINER.equals(annotations.get(CONTAINER_TYPE))) {
            return joining(annotations, CONTAINER_TYPE, SANDBOX_ID);
        }
        if (TYPE_CONTAINER.equals(annotations.get(CRIO_CONTAINER_TYPE))) {
            return joining(annotations, CRIO_CONTAINER_TYPE, CRIO_SANDBOX_ID);
        }
        return new PodAnnotations(Optional.empty());
    }

    /**
     * Whether the spec is a pod's sandbox (pause) container by containerd's or CRI-O's annotation: it starts the
     * pod, and the pod's sandbox-level annotations (its size) are on it.
     */
    public static boolean isSandbox(Map<String, String> annotations) {
        return TYPE_SANDBOX.equals(annotations.get(CONTAINER_TYPE))
                || TYPE_SANDBOX.equals(annotations.get(CRIO_CONTAINER_TYPE));
    }

    private static PodAnnotations joining(Map<String, String> annotations, String type, String sandboxKey) {
        String sandbox = annotations.getOrDefault(sandboxKey, "");
        if (sandbox.isEmpty()) {
            throw new IllegalArgumentException("annotation " + type + "=" + TYPE_CONTAINER + " needs "
                    + sandboxKey + " to name the pod's sandbox");
        }
        return new PodAnnotations(Optional.of(sandbox));
    }

    /** The id whose shim and VM serve a task: its sandbox's for a pod container, else its own. */
    public String shimId(String taskId) {
        return sandboxId.orElse(taskId);
    }
}
