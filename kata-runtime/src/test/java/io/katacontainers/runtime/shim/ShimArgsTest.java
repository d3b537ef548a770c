package io.katacontainers.runtime.shim;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShimArgsTest {
    @Test
    void parsesWhatContainerd16Passes() {
        ShimArgs args = ShimArgs.parse("-namespace", "default", "-address", "/run/containerd/containerd.sock",
                "-publish-binary", "/usr/bin/containerd", "-id", "c1", "start");
        assertEquals(new ShimArgs("default", "/run/containerd/containerd.sock", "/usr/bin/containerd", "c1",
                Optional.empty(), false, "start"), args);
    }

    @Test
    void parsesDeleteWithBundleDebugAndGoFlagSpellings() {
        ShimArgs args = ShimArgs.parse("--namespace=k8s.io", "-address", "/a.sock", "-debug", "-id=c2",
                "-bundle", "/run/b", "delete");
        assertEquals("k8s.io", args.namespace());
        assertEquals("c2", args.id());
        assertTrue(args.debug());
        assertEquals(Path.of("/run/b"), args.bundleDir());
        assertEquals("delete", args.action());
    }

    @Test
    void noActionIsTheDaemon() {
        ShimArgs args = ShimArgs.parse("-namespace", "ns", "-address", "/a", "-id", "x");
        assertEquals("", args.action());
        assertFalse(args.debug());
        assertEquals(Path.of("").toAbsolutePath(), args.bundleDir(), "the bundle defaults to the working directory");
    }

    @Test
    void rejectsUnknownFlagsAndMissingValues() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> ShimArgs.parse("-bogus", "start"));
        assertTrue(unknown.getMessage().contains("-bogus"), unknown.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ShimArgs.parse("-id"));
        assertTrue(missing.getMessage().contains("-id"), missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> ShimArgs.parse("-namespace", "n", "-address", "/a", "start").requireTask());
        assertTrue(empty.getMessage().contains("-id"), empty.getMessage());
    }

    @Test
    void helpAndVersion() {
        assertEquals("help", ShimArgs.parse("--help").action());
        assertEquals("version", ShimArgs.parse("-v").action());
    }
}
