package io.katacontainers.hypervisor.kvm.vstate;

import io.katacontainers.ffm.kvm.IoExit;
import io.katacontainers.ffm.kvm.KvmExitReason;
import io.katacontainers.ffm.kvm.KvmRun;
import io.katacontainers.ffm.kvm.KvmVcpu;
import io.katacontainers.ffm.kvm.MmioExit;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.ThreadSignals;
import io.katacontainers.hypervisor.kvm.devices.Bus;
import io.katacontainers.hypervisor.kvm.seccomp.ThreadSetup;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One vCPU and the platform thread that runs it: KVM_RUN in a loop, port I/O and MMIO exits dispatched to the
 * buses. Other threads steer it with {@link #request}: the request is recorded under a lock, {@code immediate_exit}
 * is set so that a KVM_RUN about to start returns at once, and the thread gets {@link #KICK_SIGNAL_OFFSET a signal}
 * so that a KVM_RUN already running returns with EINTR; the thread then acts on the request before entering the
 * guest again. No wakeup can be lost: the thread clears {@code immediate_exit} under the same lock, before it runs.
 */
public final class Vcpu {
    private static final System.Logger LOG = System.getLogger(Vcpu.class.getName());

    /** The kick signal is SIGRTMIN plus this (SIGRTMIN itself is the usual choice of other libraries). */
    public static final int KICK_SIGNAL_OFFSET = 3;

    /** What the owner wants the vCPU to do. STOP is final. */
    public enum Request { RUN, PAUSE, STOP }

    /** What the vCPU thread is doing. */
    public enum State { CREATED, RUNNING, PAUSED, EXITED }

    private final KvmVcpu kvm;
    private final KvmRun run;
    private final Bus pio;
    private final Bus mmio;
    private final Consumer<VcpuExit> onExit;
    private final int kickSignal;
    private final LongAdder exits = new LongAdder();
    private volatile ThreadSetup threadSetup = ThreadSetup.NONE;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private Request request = Request.RUN;
    private State state = State.CREATED;
    private long pthread;
    private boolean threadAlive;
    private Thread thread;

    /**
     * @param onExit told, on the vCPU thread, when the vCPU ends by itself (guest shutdown or a failure); it must
     *               not block on this vCPU
     */
    public Vcpu(KvmVcpu kvm, Bus pio, Bus mmio, Consumer<VcpuExit> onExit) throws SyscallException {
        this.kvm = kvm;
        this.run = kvm.kvmRun();
        this.pio = pio;
        this.mmio = mmio;
        this.onExit = onExit;
        this.kickSignal = ThreadSignals.sigrtmin() + KICK_SIGNAL_OFFSET;
        ThreadSignals.installInterruptHandler(kickSignal);
    }

    public int id() {
        return kvm.id();
    }

    /** The KVM vCPU, for setting up registers before {@link #start()}. */
    public KvmVcpu kvm() {
        return kvm;
    }

    /** Exits handled in user space so far (I/O, MMIO, interrupted runs). */
    public long exitCount() {
        return exits.sum();
    }

    /**
     * What the vCPU thread does to itself before it first enters the guest (the VMM's seccomp filter); its failure
     * ends the vCPU with a {@link VcpuExit.Failure}. Set it before {@link #start()}.
     */
    public void confine(ThreadSetup setup) {
        threadSetup = Objects.requireNonNull(setup, "setup");
    }

    /** Starts the vCPU thread; the guest runs until a request or its own shutdown stops it. */
    public void start() {
        lock.lock();
        try {
            if (state != State.CREATED) {
                throw new IllegalStateException("vCPU " + id() + " was already started");
            }
            state = State.RUNNING;
            thread = Thread.ofPlatform().name("vcpu-" + id()).daemon().start(this::loop);
        } finally {
            lock.unlock();
        }
    }

    /** Asks the vCPU to run, pause or stop, and kicks it out of the guest if needed; does not wait. */
    public void request(Request wanted) {
        lock.lock();
        try {
            if (request == Request.STOP || state == State.EXITED) {
                return;
            }
            request = wanted;
            if (wanted == Request.RUN) {
                changed.signalAll();
                return;
            }
            run.setImmediateExit(true);
            if (threadAlive) {
                ThreadSignals.kill(pthread, kickSignal);
            }
            changed.signalAll();
        } catch (SyscallException e) {
            // Only ESRCH/EINVAL are possible, and the thread is alive under the lock: a bug, not a guest's doing.
            throw new IllegalStateException("cannot signal vCPU " + id() + " thread", e);
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the vCPU is in {@code wanted} or has exited; false on timeout. */
    public boolean await(State wanted, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (state != wanted && state != State.EXITED) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    public State state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the vCPU thread to end (after a STOP request or the guest's own end); false on timeout. */
    public boolean join(Duration timeout) throws InterruptedException {
        Thread t;
        lock.lock();
        try {
            t = thread;
        } finally {
            lock.unlock();
        }
        return t == null || t.join(timeout);
    }

    /** Closes the KVM vCPU; only once its thread has ended (or never started). */
    public void close() throws SyscallException {
        lock.lock();
        try {
            if (threadAlive) {
                throw new IllegalStateException("vCPU " + id() + " is still running; stop and join it first");
            }
        } finally {
            lock.unlock();
        }
        kvm.close();
    }

    private void loop() {
        VcpuExit exit = null;
        lock.lock();
        try {
            pthread = ThreadSignals.self();
            threadAlive = true;
        } finally {
            lock.unlock();
        }
        try {
            threadSetup.apply();
            while (awaitRunRequest()) {
                KvmExitReason reason = enterGuest();
                exits.increment();
                exit = handle(reason);
                if (exit != null) {
                    break;
                }
            }
        } catch (SyscallException | RuntimeException e) {
            exit = new VcpuExit.Failure(id(), e);
        } finally {
            lock.lock();
            try {
                threadAlive = false;
                state = State.EXITED;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        if (exit != null) {
            VcpuExit ended = exit;
            LOG.log(ended instanceof VcpuExit.Failure ? System.Logger.Level.ERROR : System.Logger.Level.DEBUG,
                    ended::describe);
            onExit.accept(ended);
        }
    }

    /**
     * KVM_RUN once. EAGAIN is not a failure: an application processor waiting for INIT/SIPI (in-kernel LAPIC)
     * returns it when the boot processor starts it, and is then simply run again.
     */
    private KvmExitReason enterGuest() throws SyscallException {
        try {
            return kvm.run();
        } catch (SyscallException e) {
            if (e.is(Errno.EAGAIN)) {
                return KvmExitReason.INTR;
            }
            throw e;
        }
    }

    /** Parks while paused; false once stopping. Clears immediate_exit under the lock, before the next KVM_RUN. */
    private boolean awaitRunRequest() {
        lock.lock();
        try {
            while (request == Request.PAUSE) {
                if (state != State.PAUSED) {
                    state = State.PAUSED;
                    changed.signalAll();
                }
                changed.awaitUninterruptibly();
            }
            if (request == Request.STOP) {
                return false;
            }
            if (state != State.RUNNING) {
                state = State.RUNNING;
                changed.signalAll();
            }
            run.setImmediateExit(false);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Handles one exit; null to go on running, or why the vCPU ends. */
    private VcpuExit handle(KvmExitReason reason) {
        return switch (reason) {
            case IO -> {
                portIo();
                yield null;
            }
            case MMIO -> {
                mmio();
                yield null;
            }
            case INTR, IRQ_WINDOW_OPEN -> null;
            // HLT only exits without the in-kernel irqchip: nothing can wake the vCPU then.
            case HLT -> new VcpuExit.GuestShutdown(id(), "halted");
            case SHUTDOWN -> new VcpuExit.GuestShutdown(id(), "reset (triple fault)");
            case SYSTEM_EVENT -> new VcpuExit.GuestShutdown(id(), "system event " + run.systemEventType());
            case FAIL_ENTRY -> new VcpuExit.Failure(id(), new IllegalStateException(String.format(
                    "KVM could not enter the guest: hardware entry failure reason 0x%x",
                    run.hardwareEntryFailureReason())));
            case INTERNAL_ERROR -> new VcpuExit.Failure(id(), new IllegalStateException(
                    "KVM internal error, suberror " + run.internalErrorSuberror()
                    + " (1 = instruction emulation failed)"));
            default -> new VcpuExit.Failure(id(), new IllegalStateException("unexpected KVM exit " + reason
                    + String.format(" (hardware exit reason 0x%x)", run.hardwareExitReason())));
        };
    }

    private void portIo() {
        IoExit io = run.io();
        MemorySegment data = run.ioData();
        int size = io.size();
        for (long offset = 0; offset < data.byteSize(); offset += size) {
            if (io.isOut()) {
                pio.write(io.port(), size, load(data, offset, size));
            } else {
                store(data, offset, size, pio.read(io.port(), size));
            }
        }
    }

    private void mmio() {
        MmioExit access = run.mmio();
        if (access.isWrite()) {
            mmio.write(access.physAddr(), access.len(), access.data());
        } else {
            run.setMmioData(mmio.read(access.physAddr(), access.len()));
        }
    }

    private static long load(MemorySegment data, long offset, int size) {
        return switch (size) {
            case 1 -> Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, offset));
            case 2 -> Short.toUnsignedLong(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset));
            default -> Integer.toUnsignedLong(data.get(ValueLayout.JAVA_INT_UNALIGNED, offset));
        };
    }

    private static void store(MemorySegment data, long offset, int size, long value) {
        switch (size) {
            case 1 -> data.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            case 2 -> data.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, (short) value);
            default -> data.set(ValueLayout.JAVA_INT_UNALIGNED, offset, (int) value);
        }
    }
}
