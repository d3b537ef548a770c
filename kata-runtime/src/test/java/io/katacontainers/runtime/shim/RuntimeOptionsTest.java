package io.katacontainers.runtime.shim;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.katacontainers.containerd.runtimeoptions.Options;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeOptionsTest {
    @Test
    void readsTheConfigPathOfCtrRuntimeConfigPath() {
        // What containerd 1.6 writes on start's stdin for `ctr run --runtime-config-path /etc/kata/x.toml`.
        byte[] stdin = Any.newBuilder().setTypeUrl("runtimeoptions.v1.Options")
                .setValue(Options.newBuilder().setConfigPath("/etc/kata/x.toml").build().toByteString())
                .build().toByteArray();
        assertEquals(Optional.of(Path.of("/etc/kata/x.toml")), RuntimeOptions.configPath(stdin));
    }

    @Test
    void acceptsAHostPrefixedTypeUrlAndEmptyOptions() {
        Any prefixed = Any.newBuilder().setTypeUrl("type.googleapis.com/runtimeoptions.v1.Options")
                .setValue(Options.newBuilder().setConfigPath("/c.toml").build().toByteString()).build();
        assertEquals(Optional.of(Path.of("/c.toml")), RuntimeOptions.configPath(prefixed));
        assertEquals(Optional.empty(), RuntimeOptions.configPath(new byte[0]));
        assertEquals(Optional.empty(), RuntimeOptions.configPath(Any.getDefaultInstance()));
        assertEquals(Optional.empty(), RuntimeOptions.configPath(Any.newBuilder()
                .setTypeUrl(RuntimeOptions.TYPE_URL).build()), "no config_path: the default lookup");
    }

    @Test
    void rejectsOtherOptionTypesAndGarbageClearly() {
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.configPath(
                Any.newBuilder().setTypeUrl("containerd.runc.v1.Options").setValue(ByteString.copyFromUtf8("x"))
                        .build()));
        assertTrue(other.getMessage().contains("containerd.runc.v1.Options"), other.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RuntimeOptions.configPath(new byte[] {(byte) 0xff, 1}));
    }

    @Test
    void podAnnotationsPickTheShim() {
        assertEquals("c1", PodAnnotations.of(Map.of()).shimId("c1"));
        assertEquals("pod", PodAnnotations.of(Map.of(PodAnnotations.CONTAINER_TYPE, "sandbox")).shimId("pod"));
        assertEquals("pod", PodAnnotations.of(Map.of(PodAnnotations.CONTAINER_TYPE, "container",
                PodAnnotations.SANDBOX_ID, "pod")).shimId("app"));
        assertThrows(IllegalArgumentException.class,
                () -> PodAnnotations.of(Map.of(PodAnnotations.CONTAINER_TYPE, "container")));
        // CRI-O's names for the same thing
        assertEquals("pod", PodAnnotations.of(Map.of(PodAnnotations.CRIO_CONTAINER_TYPE, "sandbox"))
                .shimId("pod"));
        assertEquals("pod", PodAnnotations.of(Map.of(PodAnnotations.CRIO_CONTAINER_TYPE, "container",
                PodAnnotations.CRIO_SANDBOX_ID, "pod")).shimId("app"));
        assertThrows(IllegalArgumentException.class,
                () -> PodAnnotations.of(Map.of(PodAnnotations.CRIO_CONTAINER_TYPE, "container")));
    }
}
