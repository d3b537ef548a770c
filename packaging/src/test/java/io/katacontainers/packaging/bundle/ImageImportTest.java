package io.katacontainers.packaging.bundle;

import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The busybox OCI image tar is accepted by a real containerd and runs (with runc, the stock runtime). */
class ImageImportTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    @Test
    void containerdImportsAndRunsTheImage() throws Exception {
        try (PrivateContainerd containerd = PrivateContainerd.start(work, null)) {
            containerd.importBusybox(Sandboxes.REPO);
            PrivateContainerd.Result images = containerd.ctr(TIMEOUT, "image", "ls", "-q");
            assertTrue(images.out().lines().anyMatch(PrivateContainerd.IMAGE::equals), images.toString());
            PrivateContainerd.Result run = containerd.ctr(TIMEOUT, "run", "--rm", PrivateContainerd.IMAGE,
                    "image-test", "sh", "-c", "echo from-the-image");
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("from-the-image"), run.toString());
        }
    }
}
