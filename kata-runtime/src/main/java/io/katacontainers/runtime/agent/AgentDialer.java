package io.katacontainers.runtime.agent;

import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.Transport;
import io.katacontainers.ttrpc.TtrpcClient;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Sockets;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Connects to the agent inside a VM, retrying until it answers a health check or the dial timeout
 * ({@code [agent.kata] dial_timeout}) runs out. Over virtio-serial, bytes written before the guest opens its port
 * are dropped, so a connection only counts once a health check came back on it. A bounded retry, not a wait on an
 * event, because the host gets none when the agent in the guest starts listening: a vsock connect is reset, a
 * hybrid vsock CONNECT refused and a serial port silent until then.
 */
public final class AgentDialer {
    private static final System.Logger LOG = System.getLogger(AgentDialer.class.getName());
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);

    private AgentDialer() {
    }

    /**
     * Dials the agent of a running VM; gives up early when the VM stops, and quotes the guest console's last lines
     * in the error when the agent never answers.
     */
    public static AgentClient dial(Hypervisor vm, Duration dialTimeout) throws AgentException, InterruptedException {
        AgentEndpoint endpoint = vm.agentEndpoint();
        Instant deadline = Instant.now().plus(dialTimeout);
        Exception last = null;
        int attempts = 0;
        while (Instant.now().isBefore(deadline)) {
            if (vm.state() == VmState.STOPPED) {
                throw new AgentException("the VM stopped" + vm.endReason().map(why -> " (" + why + ")").orElse("")
                        + " before its agent answered. Guest console:\n" + vm.consoleTail(), last);
            }
            attempts++;
            TtrpcClient client = null;
            try {
                client = new TtrpcClient(connect(endpoint));
                while (client.isOpen() && Instant.now().isBefore(deadline) && vm.state() != VmState.STOPPED) {
                    try {
                        HealthCheckResponse health = client.call(AgentClient.HEALTH, "Check",
                                CheckRequest.getDefaultInstance(), HealthCheckResponse.parser(),
                                CallOptions.ofTimeout(PROBE_TIMEOUT));
                        LOG.log(System.Logger.Level.DEBUG, "agent answered ({0}) after {1} connection attempt(s)",
                                health.getStatus(), attempts);
                        return new AgentClient(client);
                    } catch (StatusException e) {
                        last = e; // the guest has not opened its end yet: ask again on the same connection
                    }
                }
            } catch (IOException e) {
                last = e; // the VMM has not created its socket yet
            }
            if (client != null) {
                client.close();
            }
            Thread.sleep(RETRY_PAUSE);
        }
        throw new AgentException("the agent did not answer within " + dialTimeout.toSeconds() + "s on " + endpoint
                + " (last error: " + (last == null ? "none" : last.getMessage()) + ");"
                + " raise [agent.kata] dial_timeout if the guest is slow to boot. Guest console:\n"
                + vm.consoleTail(), last);
    }

    /** One connection to {@code endpoint} (the agent's or another guest port's, e.g. the debug console's). */
    public static Transport connect(AgentEndpoint endpoint) throws IOException {
        return switch (endpoint) {
            case AgentEndpoint.VirtioSerial serial -> Transport.connect(serial.socket());
            case AgentEndpoint.HybridVsock hybrid -> hybridVsock(hybrid);
            case AgentEndpoint.Vsock vsock -> kernelVsock(vsock);
        };
    }

    /**
     * Kernel vsock (QEMU's vhost-vsock). Closing shuts the socket down first, which wakes the client's reader
     * blocked in read(2), then releases the descriptor.
     */
    private static Transport kernelVsock(AgentEndpoint.Vsock vsock) throws IOException {
        Fd socket = Sockets.connectVsock(vsock.contextId(), vsock.port(), 0);
        return Transport.of(FdStreams.input(socket), FdStreams.output(socket), () -> {
            try (socket) {
                Sockets.shutdown(socket.get());
            } catch (SyscallException e) {
                if (!e.is(Errno.ENOTCONN)) {
                    throw e;
                }
            }
        });
    }

    /** Firecracker-style hybrid vsock: {@code CONNECT <port>\n} answered by {@code OK <host port>\n}. */
    private static Transport hybridVsock(AgentEndpoint.HybridVsock hybrid) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(hybrid.socket()));
            InputStream in = Channels.newInputStream(channel);
            OutputStream out = Channels.newOutputStream(channel);
            out.write(("CONNECT " + hybrid.port() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = readLine(in);
            if (!reply.startsWith("OK ")) {
                throw new IOException("hybrid vsock " + hybrid.socket() + " refused port " + hybrid.port()
                        + ": " + reply);
            }
            return Transport.of(in, out, channel);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0 || line.length() > 64) {
                throw new IOException("no handshake reply from the hybrid vsock socket (got \"" + line + "\")");
            }
            line.append((char) b);
        }
        return line.toString();
    }
}
