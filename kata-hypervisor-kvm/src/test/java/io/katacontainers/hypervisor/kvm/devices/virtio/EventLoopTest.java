package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Fd;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The device thread: descriptor handlers, hand-over from other threads, timers, and failing handlers. */
class EventLoopTest {
    @Test
    void handlersRunOnTheLoopUntilTheirRegistrationCloses() throws Exception {
        try (EventLoop loop = EventLoop.start("loop-test"); Fd event = EventFds.create()) {
            List<Boolean> onLoop = new CopyOnWriteArrayList<>();
            CountDownLatch fired = new CountDownLatch(2);
            EventLoop.Registration registration = loop.register(event, Epoll.EPOLLIN, events -> {
                onLoop.add(loop.inLoop());
                try {
                    EventFds.drain(event);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                fired.countDown();
            });
            EventFds.signal(event);
            Thread.sleep(20);
            EventFds.signal(event);
            assertTrue(fired.await(5, TimeUnit.SECONDS));
            registration.close();
            EventFds.signal(event);
            Thread.sleep(50);
            assertEquals(List.of(true, true), onLoop);
            assertEquals(1, EventFds.drain(event), "no handler drained the last signal");
        }
    }

    @Test
    void callReturnsTheResultOrTheFailure() throws Exception {
        try (EventLoop loop = EventLoop.start("loop-test")) {
            assertEquals("loop-test", loop.call(() -> Thread.currentThread().getName()));
            ExecutionException e = assertThrows(ExecutionException.class, () -> loop.call(() -> {
                throw new IOException("device failed");
            }));
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void timersFireInDeadlineOrderAndCancelledOnesDoNot() throws Exception {
        try (EventLoop loop = EventLoop.start("loop-test")) {
            List<String> order = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            loop.call(() -> {
                loop.schedule(Duration.ofMillis(60), () -> {
                    order.add("late");
                    done.countDown();
                });
                loop.schedule(Duration.ofMillis(10), () -> order.add("early"));
                loop.schedule(Duration.ofMillis(30), () -> order.add("cancelled")).cancel();
                return null;
            });
            assertTrue(done.await(5, TimeUnit.SECONDS));
            assertEquals(List.of("early", "late"), order);
            assertThrows(IllegalStateException.class, () -> loop.schedule(Duration.ZERO, () -> { }),
                    "timers belong to the loop thread");
        }
    }

    @Test
    void aFailingHandlerDoesNotStopTheLoop() throws Exception {
        try (EventLoop loop = EventLoop.start("loop-test")) {
            loop.execute(() -> {
                throw new IllegalStateException("a device bug");
            });
            assertEquals(42, loop.call(() -> 42));
        }
    }

    @Test
    void closedLoopRefusesCalls() throws Exception {
        EventLoop loop = EventLoop.start("loop-test");
        loop.close();
        assertThrows(IllegalStateException.class, () -> loop.call(() -> 1));
        assertFalse(loop.inLoop());
    }
}
