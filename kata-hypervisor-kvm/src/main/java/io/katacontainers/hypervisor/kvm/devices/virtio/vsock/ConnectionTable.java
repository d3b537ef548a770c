package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The device's connections: clients still in the handshake, and streams known to the guest by their (local port,
 * peer port) pair, with the local ports handed out from {@link #FIRST_LOCAL_PORT} on. Used by {@link Muxer} on the
 * event loop only.
 */
final class ConnectionTable {
    static final int FIRST_LOCAL_PORT = 1 << 30;

    private final Map<Long, Connection> connections = new HashMap<>();
    private final Set<Connection> handshakes = new HashSet<>();
    private int nextLocalPort = FIRST_LOCAL_PORT;

    /** A client that has not yet said which guest port it wants. */
    void addHandshake(Connection c) {
        handshakes.add(c);
    }

    /** Moves {@code c} from the handshake to the guest-known streams to {@code peerPort}, with a free local port. */
    void addStream(Connection c, int peerPort) {
        handshakes.remove(c);
        c.peerPort = peerPort;
        do {
            c.localPort = nextLocalPort++;
        } while (connections.keySet().stream().anyMatch(k -> (int) (k >>> 32) == c.localPort));
        connections.put(key(c.localPort, c.peerPort), c);
    }

    /** The stream a guest packet names, or null. */
    Connection stream(int localPort, int peerPort) {
        return connections.get(key(localPort, peerPort));
    }

    void remove(Connection c) {
        handshakes.remove(c);
        connections.remove(key(c.localPort, c.peerPort), c);
    }

    /** Every connection, in the handshake or not. */
    List<Connection> all() {
        List<Connection> all = new ArrayList<>(connections.values());
        all.addAll(handshakes);
        return all;
    }

    private static long key(int localPort, int peerPort) {
        return (Integer.toUnsignedLong(localPort) << 32) | Integer.toUnsignedLong(peerPort);
    }
}
