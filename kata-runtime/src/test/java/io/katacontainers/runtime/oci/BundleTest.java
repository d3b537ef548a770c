package io.katacontainers.runtime.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bundles from untrusted callers: a root.path or bundle path that climbs or leads out of the bundle is refused. */
class BundleTest {
    @TempDir
    Path dir;

    private Path bundle(String rootPath) throws Exception {
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        Files.writeString(bundle.resolve("config.json"), """
                {"ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/"}, "root": {"path": "%s"}}
                """.formatted(rootPath));
        return bundle;
    }

    @Test
    void aRootfsInTheBundleLoads() throws Exception {
        Path bundle = bundle("rootfs");
        Files.createDirectories(bundle.resolve("rootfs"));
        assertEquals(bundle.resolve("rootfs"), Bundle.load(bundle).rootfs());
    }

    @Test
    void aRootPathWithDotDotIsRefusedNamingIt() throws Exception {
        Files.createDirectories(dir.resolve("elsewhere"));
        Path bundle = bundle("../elsewhere");
        BundleException refused = assertThrows(BundleException.class, () -> Bundle.load(bundle));
        assertTrue(refused.getMessage().contains("root.path ../elsewhere contains '..'"), refused.getMessage());
        Path absolute = bundle(dir + "/bundle/../elsewhere");
        refused = assertThrows(BundleException.class, () -> Bundle.load(absolute));
        assertTrue(refused.getMessage().contains("contains '..'"), refused.getMessage());
    }

    @Test
    void aRootPathThatASymlinkLeadsOutOfTheBundleIsRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("host-root"));
        Path bundle = bundle("rootfs");
        Files.createSymbolicLink(bundle.resolve("rootfs"), outside);
        BundleException refused = assertThrows(BundleException.class, () -> Bundle.load(bundle));
        assertTrue(refused.getMessage().contains("root.path rootfs leads to " + outside.toRealPath()),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("outside the bundle"), refused.getMessage());
    }

    @Test
    void anAbsoluteRootPathIsTheCallersChoice() throws Exception {
        Path rootfs = Files.createDirectories(dir.resolve("merged"));
        assertEquals(rootfs, Bundle.load(bundle(rootfs.toString())).rootfs(), "as Docker's overlay root.path");
    }

    @Test
    void anUntrustedBundleDirectoryMustBeAbsoluteWithoutDotDot() throws Exception {
        assertEquals(Path.of("/run/containerd/x/bundle"), Bundle.checkUntrustedDir("/run/containerd/x/bundle"));
        for (String bad : new String[] {"/run/containerd/../../etc", "relative/bundle", "", "../up"}) {
            BundleException refused = assertThrows(BundleException.class, () -> Bundle.checkUntrustedDir(bad));
            assertTrue(bad.isEmpty() || refused.getMessage().contains(bad), refused.getMessage());
        }
    }
}
