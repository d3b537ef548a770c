package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.seccomp.ThreadSetup;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device thread: one epoll loop that runs every device's work, so device state needs no locks. Queue eventfds,
 * sockets and other descriptors are watched through {@link #register}; other threads hand work over with
 * {@link #execute} or {@link #call}; {@link #schedule} runs a task later on the loop. Handlers run on the loop
 * thread, must not block for long, and an exception from one is logged without stopping the others.
 */
public final class EventLoop implements AutoCloseable {
    /** Called on the loop thread with the ready epoll event bits. */
    @FunctionalInterface
    public interface Handler {
        void ready(int events);
    }

    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());
    private static final long WAKE_TOKEN = 0;

    private final Epoll epoll;
    private final Fd wake;
    private final Thread thread;
    private final Map<Long, Registration> registrations = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicLong nextToken = new AtomicLong(WAKE_TOKEN + 1);
    private volatile boolean running = true;
    private final ThreadSetup setup;
    /** Completes once the thread has run {@link #setup} on itself, or fails with what it threw. */
    private final CompletableFuture<Void> confined = new CompletableFuture<>();

    private EventLoop(String name, Epoll epoll, Fd wake, ThreadSetup setup) throws SyscallException {
        this.epoll = epoll;
        this.wake = wake;
        this.setup = setup;
        epoll.add(wake.get(), Epoll.EPOLLIN, WAKE_TOKEN);
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
    }

    /** Creates the loop and starts its thread, named {@code name}. */
    public static EventLoop start(String name) throws SyscallException {
        return start(name, ThreadSetup.NONE);
    }

    /**
     * Creates the loop and starts its thread, named {@code name}, which runs {@code setup} on itself (the VMM's
     * seccomp filter) before any device work; returns once it has, and fails with the setup's error if it failed.
     */
    public static EventLoop start(String name, ThreadSetup setup) throws SyscallException {
        Epoll epoll = Epoll.create(64);
        Fd wake = null;
        try {
            wake = EventFds.create();
            EventLoop loop = new EventLoop(name, epoll, wake, setup);
            loop.thread.start();
            loop.awaitConfined();
            return loop;
        } catch (SyscallException | RuntimeException e) {
            try (epoll) {
                if (wake != null) {
                    wake.close();
                }
            } catch (SyscallException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    /** A watched descriptor; closing it stops the watch (the descriptor itself stays open). */
    public final class Registration implements AutoCloseable {
        private final long token;
        private final Fd fd;
        private final Handler handler;
        private int events;

        private Registration(long token, Fd fd, int events, Handler handler) {
            this.token = token;
            this.fd = fd;
            this.events = events;
            this.handler = handler;
        }

        /** Changes the watched events; a no-op when they are already these. */
        public void modify(int newEvents) throws SyscallException {
            if (newEvents != events) {
                epoll.modify(fd.get(), newEvents, token);
                events = newEvents;
            }
        }

        public int events() {
            return events;
        }

        @Override
        public void close() throws SyscallException {
            if (registrations.remove(token) != null && fd.isOpen()) {
                epoll.remove(fd.get());
            }
        }
    }

    /** A task scheduled with {@link #schedule}; cancel it from the loop thread. */
    public static final class Timer implements Comparable<Timer> {
        private final long deadline;
        private final Runnable task;
        private boolean cancelled;

        private Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            return Long.compare(deadline, other.deadline);
        }
    }

    /** Watches {@code fd} for {@code events} (Epoll bits, level-triggered); {@code handler} runs on the loop. */
    public Registration register(Fd fd, int events, Handler handler) throws SyscallException {
        long token = nextToken.getAndIncrement();
        Registration registration = new Registration(token, fd, events, handler);
        registrations.put(token, registration);
        try {
            epoll.add(fd.get(), events, token);
        } catch (SyscallException | RuntimeException e) {
            registrations.remove(token);
            throw e;
        }
        return registration;
    }

    private void awaitConfined() throws SyscallException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    confined.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    joinUninterruptibly();
                    if (e.getCause() instanceof SyscallException s) {
                        throw s;
                    }
                    throw new IllegalStateException("the device event loop " + thread.getName()
                            + " could not set itself up: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Runs {@code task} on the loop thread soon. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop()) {
            try {
                EventFds.signal(wake);
            } catch (SyscallException e) {
                throw new IllegalStateException("cannot wake the device event loop " + thread.getName(), e);
            }
        }
    }

    /**
     * Runs {@code task} on the loop thread and waits for its result (directly when called from the loop itself).
     *
     * @throws ExecutionException wrapping what the task threw
     */
    public <T> T call(Callable<T> task) throws ExecutionException, InterruptedException {
        if (inLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new ExecutionException(e);
            }
        }
        if (!running) {
            throw new IllegalStateException("the device event loop " + thread.getName() + " is closed");
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable wrapper = () -> {
            try {
                result.complete(task.call());
            } catch (Exception | Error e) {
                result.completeExceptionally(e);
            }
        };
        execute(wrapper);
        while (true) {
            try {
                return result.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!thread.isAlive() && tasks.remove(wrapper)) {
                    throw new IllegalStateException("the device event loop " + thread.getName() + " is closed", e);
                }
            }
        }
    }

    /** Runs {@code task} on the loop after {@code delay}; call from the loop thread. */
    public Timer schedule(Duration delay, Runnable task) {
        requireLoop();
        Timer timer = new Timer(System.nanoTime() + delay.toNanos(), task);
        timers.add(timer);
        return timer;
    }

    /** Whether the caller is the loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    private void requireLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("called outside the device event loop " + thread.getName());
        }
    }

    private void run() {
        try {
            setup.apply();
        } catch (SyscallException | RuntimeException e) {
            confined.completeExceptionally(e);
            return;
        }
        confined.complete(null);
        while (running) {
            int ready;
            try {
                ready = epoll.await(timeoutMillis());
            } catch (SyscallException e) {
                LOG.log(Level.ERROR, "epoll_wait failed; the device event loop " + thread.getName() + " stops", e);
                return;
            }
            for (int i = 0; i < ready; i++) {
                long token = epoll.readyData(i);
                if (token == WAKE_TOKEN) {
                    drainWake();
                    continue;
                }
                Registration registration = registrations.get(token);
                int events = epoll.readyEvents(i);
                if (registration != null) {
                    guarded(() -> registration.handler.ready(events));
                }
            }
            runTimers();
            runTasks();
        }
        runTasks();
    }

    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            guarded(task);
        }
    }

    private int timeoutMillis() {
        Timer first = timers.peek();
        if (!tasks.isEmpty()) {
            return 0;
        }
        if (first == null) {
            return -1;
        }
        long nanos = first.deadline - System.nanoTime();
        return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    private void runTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().deadline - now <= 0) {
            Timer timer = timers.poll();
            if (!timer.cancelled) {
                guarded(timer.task);
            }
        }
    }

    private void drainWake() {
        try {
            EventFds.drain(wake);
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, "cannot drain the wake-up eventfd of " + thread.getName(), e);
        }
    }

    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "a device handler on " + thread.getName() + " failed; the other devices go on", e);
        }
    }

    /** The epoll instance may only close once the thread is gone; an interrupt is kept for the caller. */
    private void joinUninterruptibly() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the thread after its current round (tasks already handed over still run), waits for it, and closes the
     * epoll instance. Call it from another thread, after the devices have stopped watching their descriptors.
     */
    @Override
    public void close() throws SyscallException {
        if (inLoop()) {
            throw new IllegalStateException("the device event loop cannot close itself from a handler");
        }
        running = false;
        EventFds.signal(wake);
        joinUninterruptibly();
        try (epoll; wake) {
            registrations.clear();
        }
    }
}
