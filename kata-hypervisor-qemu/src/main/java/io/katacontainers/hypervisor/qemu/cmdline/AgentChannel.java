package io.katacontainers.hypervisor.qemu.cmdline;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.AgentEndpoint;

import java.nio.file.Path;
import java.util.List;

/** The device that carries the agent's connection, and how the host reaches it. */
public sealed interface AgentChannel {
    /** The agent's vsock port, as in Kata. */
    int AGENT_VSOCK_PORT = GuestContract.AGENT_VSOCK_PORT;
    /** The virtio-serial port name the agent opens, as in Kata. */
    String SERIAL_PORT_NAME = GuestContract.AGENT_SERIAL_PORT;

    List<String> qemuArguments(MachineType machine);

    AgentEndpoint endpoint();

    /** This channel carrying the guest's vsock {@code port} (virtio-serial carries the agent's whatever its port). */
    AgentChannel forPort(int port);

    /** A virtio-serial port backed by a unix socket QEMU listens on; works everywhere. */
    record Serial(Path socket) implements AgentChannel {
        @Override
        public List<String> qemuArguments(MachineType machine) {
            // wait=off: QEMU boots without a client; the runtime connects when it dials the agent.
            return List.of(
                    "-device", machine.virtioDevice("virtio-serial"),
                    "-chardev", "socket,id=agent,path=" + socket + ",server=on,wait=off",
                    "-device", "virtserialport,chardev=agent,name=" + SERIAL_PORT_NAME);
        }

        @Override
        public AgentEndpoint endpoint() {
            return new AgentEndpoint.VirtioSerial(socket);
        }

        @Override
        public AgentChannel forPort(int port) {
            return this;
        }
    }

    /** A vhost-vsock device; needs /dev/vhost-vsock and a context id no other VM on the host uses. */
    record Vsock(long contextId, int port) implements AgentChannel {
        /** To the agent's port. */
        public Vsock(long contextId) {
            this(contextId, AGENT_VSOCK_PORT);
        }

        public Vsock {
            if (contextId < 3 || contextId > 0xFFFF_FFFEL) {
                throw new IllegalArgumentException("vsock context id out of range [3, 2^32-2]: " + contextId);
            }
        }

        @Override
        public List<String> qemuArguments(MachineType machine) {
            return List.of("-device", machine.virtioDevice("vhost-vsock") + ",id=vsock,guest-cid=" + contextId);
        }

        @Override
        public AgentEndpoint endpoint() {
            return new AgentEndpoint.Vsock(contextId, port);
        }

        @Override
        public AgentChannel forPort(int guestPort) {
            return new Vsock(contextId, guestPort);
        }
    }
}
