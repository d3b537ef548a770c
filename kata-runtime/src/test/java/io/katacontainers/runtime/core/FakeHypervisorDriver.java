package io.katacontainers.runtime.core;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.UnsupportedDeviceException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hypervisor driver without a VM, for the unit tier: its "VM" is a state, and its agent endpoint is the socket of
 * an agent that runs in the test ({@link InMemoryAgent}). It goes by {@code qemu}, the section a test's
 * configuration names. It takes a vsock and a shared fs before start, like both real drivers, records every device
 * added in {@code devices}, and refuses the rest with their typed error.
 */
public record FakeHypervisorDriver(Path agentSocket, AtomicInteger vmsStarted, AtomicInteger vmsStopped,
                                   List<Device> devices) implements HypervisorDriver {

    public FakeHypervisorDriver(Path agentSocket) {
        this(agentSocket, new AtomicInteger(), new AtomicInteger(), new CopyOnWriteArrayList<>());
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
        public void addDevice(Device device) throws UnsupportedDeviceException {
            if (state != VmState.CREATED) {
                throw new UnsupportedDeviceException(device, name(), "the VM is " + state + ": no hot-plug");
            }
            if (!(device instanceof Device.Vsock || device instanceof Device.SharedFs)) {
                throw new UnsupportedDeviceException(device, name(), "not implemented");
            }
            devices.add(device);
        }

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
