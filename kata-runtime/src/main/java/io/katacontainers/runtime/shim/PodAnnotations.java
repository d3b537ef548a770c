package io.katacontainers.runtime.shim;

import java.util.Map;
import java.util.Optional;

/**
 * Which sandbox a container belongs to, from the CRI annotations containerd's CRI plugin puts in its spec: a
 * container of type {@code container} joins the sandbox named by {@code sandbox-id}; anything else starts a pod.
 */
public record PodAnnotations(Optional<String> sandboxId) {
    public static final String CONTAINER_TYPE = "io.kubernetes.cri.container-type";
    public static final String SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
    public static final String TYPE_CONTAINER = "container";

    public static PodAnnotations of(Map<String, String> annotations) {
        if (!TYPE_CONTAINER.equals(annotations.get(CONTAINER_TYPE))) {
            return new PodAnnotations(Optional.empty());
        }
        String sandbox = annotations.getOrDefault(SANDBOX_ID, "");
        if (sandbox.isEmpty()) {
            throw new IllegalArgumentException("annotation " + CONTAINER_TYPE + "=" + TYPE_CONTAINER + " needs "
                    + SANDBOX_ID + " to name the pod's sandbox");
        }
        return new PodAnnotations(Optional.of(sandbox));
    }

    /** The id whose shim and VM serve a task: its sandbox's for a pod container, else its own. */
    public String shimId(String taskId) {
        return sandboxId.orElse(taskId);
    }
}
