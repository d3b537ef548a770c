package io.katacontainers.agent.container;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CreateContainer refuses at once a bind mount whose source is not in the guest, naming it. */
class BindSourcesTest {
    @TempDir
    Path dir;

    private static Spec withMount(Mount mount) {
        return Spec.newBuilder().setProcess(Process.newBuilder().addArgs("true")).addMounts(mount).build();
    }

    @Test
    void aMissingBindSourceIsNotFoundAndOtherMountsAreNotChecked() throws Exception {
        Path present = Files.createDirectories(dir.resolve("present"));
        assertDoesNotThrow(() -> GuestBundleFiles.checkBindSources("c1", withMount(Mount.newBuilder()
                .setType("bind").setSource(present.toString()).setDestination("/data").build())));
        assertDoesNotThrow(() -> GuestBundleFiles.checkBindSources("c1", withMount(Mount.newBuilder()
                .setType("tmpfs").setSource("tmpfs").setDestination("/tmp").build())));

        var missing = assertThrows(ErrdefsException.class, () -> GuestBundleFiles.checkBindSources("c1",
                withMount(Mount.newBuilder().setType("none").addOptions("rbind")
                        .setSource("/var/lib/kubelet/pods/x/volumes/v").setDestination("/data").build())));
        assertEquals(ErrorKind.NOT_FOUND, missing.kind());
        assertTrue(missing.getMessage().contains("/var/lib/kubelet/pods/x/volumes/v of the bind mount on /data")
                && missing.getMessage().contains("as the runtime shares them"), missing.getMessage());

        var relative = assertThrows(ErrdefsException.class, () -> GuestBundleFiles.checkBindSources("c1",
                withMount(Mount.newBuilder().setType("bind").setSource("data").setDestination("/data").build())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, relative.kind());
    }
}
