package io.katacontainers.runtime.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.containerd.types.Status;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The transitions the task service's tests cannot reach through containerd's API alone. */
class ShimProcessTest {
    private final List<Integer> announced = new ArrayList<>();

    private ShimProcess process() {
        return new ShimProcess("c1", "", false, "", "", "", Optional.empty(),
                (process, exit, complete) -> announced.add(exit.status()));
    }

    @Test
    void aCreatedProcessIsDeletedWithStatusZeroAndThenRefusesEverything() throws Exception {
        ShimProcess process = process();
        assertEquals(0, process.delete().status());
        assertEquals(List.of(0), announced, "its waiters heard of an end");
        assertEquals(ShimProcess.State.DELETED, process.state());
        assertEquals(Status.STOPPED, process.status(), "containerd knows no deleted status");
        assertEquals(ErrorKind.NOT_FOUND, assertThrows(ErrdefsException.class, process::delete).kind());
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(ErrdefsException.class, process::start).kind());
        assertEquals(ErrorKind.FAILED_PRECONDITION, assertThrows(ErrdefsException.class,
                () -> process.pause(() -> { })).kind());
        process.kill(9, false);
        assertEquals(List.of(0), announced, "a signal to an ended process is a no-op");
    }

    @Test
    void anExitIsRecordedOnce() {
        ShimProcess process = process();
        assertEquals(true, process.exited(1, true));
        assertEquals(false, process.exited(2, true));
        assertEquals(List.of(1), announced);
        assertEquals(1, process.exit().orElseThrow().status());
    }
}
