package io.katacontainers.runtime.core;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.HostSupport;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.UnsupportedDeviceException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hypervisor driver without a VM, for the unit tier: its "VM" is a state, and its guest is either an agent that
 * runs in the test ({@link InMemoryAgent}, on {@code agentSocket}), or, with {@link #withHostAgent}, the real
 * kata-agent that each VM starts on the host ({@link HostAgent}: runc containers, the shared directory as the
 * guest sees it). It goes by {@code qemu}, the section a test's configuration names. It takes a vsock and a shared
 * fs before start, like both real drivers, records every device added in {@code devices}, and refuses the rest with
 * their typed error.
 *
 * @param hostAgents where each VM's host agent works ({@code vm-N} below it), if the VMs start one
 */
public record FakeHypervisorDriver(Path agentSocket, Optional<Path> hostAgents, AtomicInteger vmsStarted,
                                   AtomicInteger vmsStopped, List<Device> devices, List<Hypervisor> vms)
        implements HypervisorDriver {

    /** VMs whose guest is the agent the test serves on {@code agentSocket}. */
    public FakeHypervisorDriver(Path agentSocket) {
        this(agentSocket, Optional.empty(), new AtomicInteger(), new AtomicInteger(), new CopyOnWriteArrayList<>(),
                new CopyOnWriteArrayList<>());
    }

    /** The VM of the {@code index}-th create stops on its own, as when its VMM is killed. */
    public void crash(int index) {
        ((FakeVm) vms.get(index)).state = VmState.STOPPED;
    }

    /** VMs whose guest is the real agent, started at VM start in {@code workDir/vm-N}. */
    public static FakeHypervisorDriver withHostAgent(Path workDir) {
        return new FakeHypervisorDriver(workDir, Optional.of(workDir), new AtomicInteger(), new AtomicInteger(),
                new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
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
        FakeVm vm = new FakeVm();
        vms.add(vm);
        return vm;
    }

    private final class FakeVm implements Hypervisor {
        private volatile VmState state = VmState.CREATED;
        private volatile Path socket = agentSocket;
        private volatile HostAgent guest;

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
        public void start(Duration timeout) throws HypervisorException {
            int number = vmsStarted.incrementAndGet();
            if (hostAgents.isPresent()) {
                Path shared = devices.stream().filter(Device.SharedFs.class::isInstance)
                        .map(device -> ((Device.SharedFs) device).source()).reduce((first, last) -> last)
                        .orElseThrow(() -> new HypervisorException("no shared fs added before start"));
                Path work = hostAgents.get().resolve("vm-" + number);
                socket = work.resolve("agent.sock");
                try {
                    guest = HostAgent.start(shared, socket, work);
                } catch (IOException e) {
                    throw new HypervisorException("cannot start the host agent: " + e.getMessage(), e);
                }
            }
            state = VmState.RUNNING;
        }

        @Override
        public AgentEndpoint agentEndpoint() {
            return new AgentEndpoint.VirtioSerial(socket);
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
        public void stop(Duration timeout) throws HypervisorException {
            if (state != VmState.STOPPED) {
                state = VmState.STOPPED;
                vmsStopped.incrementAndGet();
                if (guest != null) {
                    try {
                        guest.close();
                    } catch (IOException e) {
                        throw new HypervisorException("host agent: " + e.getMessage(), e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new HypervisorException("interrupted while the host agent ended", e);
                    }
                }
            }
        }

        @Override
        public VmState state() {
            return state;
        }

        @Override
        public String consoleTail() {
            return guest == null ? "" : guest.log();
        }

        @Override
        public long vmmPid() {
            return guest == null ? ProcessHandle.current().pid() : guest.pid();
        }

        @Override
        public void close() {
            try {
                stop(Duration.ZERO);
            } catch (HypervisorException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
