package io.katacontainers.hypervisor.kvm.vstate;

import io.katacontainers.ffm.libc.SyscallException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * All vCPUs of a VM, steered together. Requests go to every vCPU first and the waiting comes after, so the vCPUs
 * stop (or pause) in parallel. Callers serialize the blocking operations; {@link #requestStop()} alone may come from
 * any thread, including a vCPU thread (a guest shutting down).
 */
public final class VcpuGroup {
    private final List<Vcpu> vcpus;

    public VcpuGroup(List<Vcpu> vcpus) {
        this.vcpus = List.copyOf(vcpus);
    }

    public List<Vcpu> vcpus() {
        return vcpus;
    }

    public void start() {
        vcpus.forEach(Vcpu::start);
    }

    /** Pauses every vCPU; false if one did not park within {@code timeout}. */
    public boolean pause(Duration timeout) throws InterruptedException {
        vcpus.forEach(v -> v.request(Vcpu.Request.PAUSE));
        return awaitAll(Vcpu.State.PAUSED, timeout);
    }

    public void resume() {
        vcpus.forEach(v -> v.request(Vcpu.Request.RUN));
    }

    /** Asks every vCPU to stop without waiting. */
    public void requestStop() {
        vcpus.forEach(v -> v.request(Vcpu.Request.STOP));
    }

    /** Stops every vCPU and waits for its thread; false if one did not end within {@code timeout}. */
    public boolean stop(Duration timeout) throws InterruptedException {
        requestStop();
        Instant deadline = Instant.now().plus(timeout);
        for (Vcpu vcpu : vcpus) {
            if (!vcpu.join(remaining(deadline))) {
                return false;
            }
        }
        return true;
    }

    /** Whether every vCPU thread has ended (or none was started). */
    public boolean allExited() {
        return vcpus.stream().allMatch(v -> v.state() == Vcpu.State.EXITED || v.state() == Vcpu.State.CREATED);
    }

    public long exitCount() {
        return vcpus.stream().mapToLong(Vcpu::exitCount).sum();
    }

    /** Closes every vCPU; the first failure is thrown after all were tried. */
    public void close() throws SyscallException {
        SyscallException first = null;
        for (Vcpu vcpu : vcpus) {
            try {
                vcpu.close();
            } catch (SyscallException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private boolean awaitAll(Vcpu.State state, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        for (Vcpu vcpu : vcpus) {
            if (!vcpu.await(state, remaining(deadline))) {
                return false;
            }
        }
        return true;
    }

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
