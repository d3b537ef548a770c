package io.katacontainers.runtime.core;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hypervisor driver without a VM, for the unit tier: its "VM" is a state, and its agent endpoint is the socket of
 * an agent that runs in the test ({@link InMemoryAgent}). It goes by {@code qemu}, the section a test's
 * configuration names.
 */
public record FakeHypervisorDriver(Path agentSocket, AtomicInteger vmsStarted, AtomicInteger vmsStopped)
        implements HypervisorDriver {

    public FakeHypervisorDriver(Path agentSocket) {
        this(agentSocket, new AtomicInteger(), new AtomicInteger());
    }

    public HypervisorDrivers drivers() {
        return new HypervisorDrivers(List.of(this));
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public HostSupport hostSupport(VmSpec spec) {
        return new HostSupport("fake", "0", "none", List.of());
    }

    @Override
    public Hypervisor create(VmSpec spec) {
        return new FakeVm();
    }

    private final class FakeVm implements Hypervisor {
        private volatile VmState state = VmState.CREATED;

        @Override
        public void start(Duration timeout) {
            state = VmState.RUNNING;
            vmsStarted.incrementAndGet();
        }

        @Override
        public AgentEndpoint agentEndpoint() {
            return new AgentEndpoint.VirtioSerial(agentSocket);
        }

        @Override
        public void pause() {
            state = VmState.PAUSED;
        }

        @Override
        public void resume() {
            state = VmState.RUNNING;
        }

        @Override
        public void stop(Duration timeout) {
            if (state != VmState.STOPPED) {
                state = VmState.STOPPED;
                vmsStopped.incrementAndGet();
            }
        }

        @Override
        public VmState state() {
            return state;
        }

        @Override
        public String consoleTail() {
            return "";
        }

        @Override
        public long vmmPid() {
            return ProcessHandle.current().pid();
        }

        @Override
        public void close() {
            stop(Duration.ZERO);
        }
    }
}
