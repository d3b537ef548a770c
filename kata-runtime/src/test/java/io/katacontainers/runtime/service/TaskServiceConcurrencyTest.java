package io.katacontainers.runtime.service;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Modifier;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle lock orders the calls that change the sandbox; State, Stats, ResizePty and the exit watchers read
 * the current sandbox without it, so the field must publish every write to them.
 */
class TaskServiceConcurrencyTest {
    @Test
    void theSandboxReadOutsideTheLockIsPublishedSafely() throws Exception {
        int modifiers = ShimPod.class.getDeclaredField("sandbox").getModifiers();
        assertTrue(Modifier.isVolatile(modifiers) || Modifier.isFinal(modifiers),
                "ShimPod.sandbox is read without the lifecycle lock: it must be volatile");
    }
}
