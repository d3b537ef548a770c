package io.katacontainers.hypervisor.qemu.cmdline;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.api.hypervisor.AgentEndpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The device that carries the agent's connection, and how the host reaches it. */
public sealed interface AgentChannel {
    /** The agent's vsock port, as in Kata. */
    int AGENT_VSOCK_PORT = GuestContract.AGENT_VSOCK_PORT;
    /** The virtio-serial port name the agent opens, as in Kata. */
    String SERIAL_PORT_NAME = GuestContract.AGENT_SERIAL_PORT;

    List<String> qemuArguments(MachineType machine);

    AgentEndpoint endpoint();

    /**
     * This channel carrying the guest's vsock {@code ports}, the agent's first (the VM's {@link
     * io.katacontainers.api.hypervisor.Device.Vsock} devices, in the order added).
     */
    AgentChannel forPorts(List<Integer> ports);

    /**
     * How the host reaches the guest's vsock {@code port}, one of this channel's.
     *
     * @throws IllegalArgumentException if the channel does not carry {@code port}
     */
    AgentEndpoint endpoint(int port);

    /**
     * Virtio-serial ports backed by unix sockets QEMU listens on; works everywhere. Each vsock port the VM was
     * given becomes a port named as {@link GuestContract#serialPortName} says: the agent's on {@code socket}, any
     * other (the debug console's) on {@code port-<n>.sock} beside it.
     *
     * @param socket the agent's socket
     * @param ports the vsock ports carried, the agent's first
     */
    record Serial(Path socket, List<Integer> ports) implements AgentChannel {
        /** The agent's port only. */
        public Serial(Path socket) {
            this(socket, List.of(AGENT_VSOCK_PORT));
        }

        public Serial {
            ports = List.copyOf(ports);
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("a virtio-serial channel needs at least one port");
            }
            ports.forEach(GuestContract::serialPortName);
        }

        @Override
        public List<String> qemuArguments(MachineType machine) {
            List<String> args = new ArrayList<>(List.of("-device", machine.virtioDevice("virtio-serial")));
            for (int index = 0; index < ports.size(); index++) {
                int port = ports.get(index);
                String id = index == 0 ? "agent" : "port" + port;
                // wait=off: QEMU boots without a client; the runtime connects when it dials the agent.
                args.addAll(List.of(
                        "-chardev", "socket,id=" + id + ",path=" + socketFor(port) + ",server=on,wait=off",
                        "-device", "virtserialport,chardev=" + id + ",name=" + GuestContract.serialPortName(port)));
            }
            return List.copyOf(args);
        }

        @Override
        public AgentEndpoint endpoint() {
            return new AgentEndpoint.VirtioSerial(socketFor(ports.getFirst()));
        }

        @Override
        public AgentEndpoint endpoint(int port) {
            if (!ports.contains(port)) {
                throw new IllegalArgumentException("the VM has no virtio-serial port for vsock port " + port
                        + " (it has " + ports + ")");
            }
            return new AgentEndpoint.VirtioSerial(socketFor(port));
        }

        @Override
        public AgentChannel forPorts(List<Integer> carried) {
            return new Serial(socket, carried);
        }

        private Path socketFor(int port) {
            return port == ports.getFirst() ? socket : socket.resolveSibling("port-" + port + ".sock");
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
        public AgentEndpoint endpoint(int guestPort) {
            return new AgentEndpoint.Vsock(contextId, guestPort);
        }

        /** One vhost-vsock device carries every port; the agent's is the first. */
        @Override
        public AgentChannel forPorts(List<Integer> carried) {
            return new Vsock(contextId, carried.getFirst());
        }
    }
}
