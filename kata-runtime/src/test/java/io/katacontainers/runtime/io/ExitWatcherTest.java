package io.katacontainers.runtime.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ExitWatcherTest {
    @Test
    void aWaitThatEndsNormallyReportsItsEnd() throws Exception {
        var ended = new CompletableFuture<ExitWatcher.End>();
        ExitWatcher.start("c/ok", () -> new ExitWatcher.End(3, true), ended::complete);
        assertEquals(new ExitWatcher.End(3, true), ended.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aWaitThatFailsWithAnyExceptionStillReportsAnEnd() throws Exception {
        var ended = new CompletableFuture<ExitWatcher.End>();
        ExitWatcher.start("c/broken", () -> {
            throw new IllegalStateException("a bug in the wait");
        }, ended::complete);
        assertEquals(new ExitWatcher.End(ExitWatcher.LOST_STATUS, false), ended.get(10, TimeUnit.SECONDS),
                "containerd's Wait must not hang");
    }
}
