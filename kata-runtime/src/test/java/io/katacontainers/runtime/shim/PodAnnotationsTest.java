package io.katacontainers.runtime.shim;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pod model from containerd's and CRI-O's annotations (CRI-O's as its sandbox and container specs carry them). */
class PodAnnotationsTest {
    private static final String SANDBOX = "8a1fc0e4d9b2";

    @Test
    void containerdsSandboxStartsThePodAndItsContainersJoinIt() {
        Map<String, String> sandbox = Map.of("io.kubernetes.cri.container-type", "sandbox",
                "io.kubernetes.cri.sandbox-id", SANDBOX);
        assertTrue(PodAnnotations.isSandbox(sandbox));
        assertEquals(Optional.empty(), PodAnnotations.of(sandbox).sandboxId());
        assertEquals(SANDBOX, PodAnnotations.of(sandbox).shimId(SANDBOX));
        Map<String, String> container = Map.of("io.kubernetes.cri.container-type", "container",
                "io.kubernetes.cri.sandbox-id", SANDBOX);
        assertFalse(PodAnnotations.isSandbox(container));
        assertEquals(SANDBOX, PodAnnotations.of(container).shimId("c1"));
    }

    @Test
    void crioSandboxStartsThePodAndItsContainersJoinIt() {
        // What CRI-O puts on its specs (io.kubernetes.cri-o.*), the sandbox naming itself.
        Map<String, String> sandbox = Map.of("io.kubernetes.cri-o.ContainerType", "sandbox",
                "io.kubernetes.cri-o.SandboxID", SANDBOX, "io.kubernetes.cri-o.KubeName", "web",
                "io.kubernetes.cri-o.Namespace", "default");
        assertTrue(PodAnnotations.isSandbox(sandbox));
        assertEquals(Optional.empty(), PodAnnotations.of(sandbox).sandboxId());
        Map<String, String> container = Map.of("io.kubernetes.cri-o.ContainerType", "container",
                "io.kubernetes.cri-o.SandboxID", SANDBOX, "io.kubernetes.cri-o.ContainerName", "k8s_app");
        assertFalse(PodAnnotations.isSandbox(container));
        assertEquals(Optional.of(SANDBOX), PodAnnotations.of(container).sandboxId());
        assertEquals(SANDBOX, PodAnnotations.of(container).shimId("c1"));
    }

    @Test
    void aContainerOutsideKubernetesStartsItsOwnPod() {
        assertFalse(PodAnnotations.isSandbox(Map.of()));
        assertEquals("c1", PodAnnotations.of(Map.of("org.opencontainers.image.title", "x")).shimId("c1"));
    }

    @Test
    void aPodContainerWithoutItsSandboxIdIsRefusedNamingTheAnnotation() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PodAnnotations.of(Map.of(
                "io.kubernetes.cri-o.ContainerType", "container"))).getMessage()
                .contains("io.kubernetes.cri-o.SandboxID"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PodAnnotations.of(Map.of(
                "io.kubernetes.cri.container-type", "container"))).getMessage()
                .contains("io.kubernetes.cri.sandbox-id"));
    }
}
