package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The host side of the hybrid-vsock handshake (Firecracker, Cloud Hypervisor and Dragonball speak it): a client of
 * the unix socket writes {@code CONNECT <port>\n} and, once the guest accepted, reads {@code OK <local port>\n}.
 * {@link Muxer} decides what each outcome means for the connection.
 */
final class HybridHandshake {
    /** Longest acceptable {@code CONNECT <port>} line. */
    static final int MAX_REQUEST_LINE = 32;

    /** What reading a client's request line came to. */
    sealed interface Outcome {
        /** A whole line, without its newline. */
        record Line(String line) implements Outcome {
        }

        /** The rest of the line has not arrived yet. */
        record Pending() implements Outcome {
        }

        /** The client closed its end before sending a whole line. */
        record Closed() implements Outcome {
        }

        /** Reading failed. */
        record Failed(SyscallException cause) implements Outcome {
        }

        /** More than {@link #MAX_REQUEST_LINE} characters without a newline; {@code start} is what came. */
        record TooLong(String start) implements Outcome {
        }
    }

    private HybridHandshake() {
    }

    /** Reads what the client of {@code c} has sent of its request line, a byte at a time (nothing past the line). */
    static Outcome readRequestLine(Connection c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            while (true) {
                long n;
                try {
                    n = Libc.read(c.socket.get(), one);
                } catch (SyscallException e) {
                    return e.is(Errno.EAGAIN) ? new Outcome.Pending() : new Outcome.Failed(e);
                }
                if (n == 0) {
                    return new Outcome.Closed();
                }
                char ch = (char) (one.get(ValueLayout.JAVA_BYTE, 0) & 0xff);
                if (ch == '\n') {
                    return new Outcome.Line(c.requestLine.toString());
                }
                if (c.requestLine.length() >= MAX_REQUEST_LINE) {
                    return new Outcome.TooLong(c.requestLine.toString());
                }
                c.requestLine.append(ch);
            }
        }
    }

    /** The port of {@code CONNECT <port>} (decimal, 32-bit), or null for anything else. */
    static Integer parseConnect(String line) {
        if (!line.startsWith("CONNECT ")) {
            return null;
        }
        String number = line.substring("CONNECT ".length());
        if (number.isEmpty() || number.length() > 10 || !number.chars().allMatch(Character::isDigit)) {
            return null;
        }
        long port = Long.parseLong(number);
        return port > 0xffff_ffffL ? null : (int) port;
    }

    /** Answers the client of {@code c} with {@code OK <local port>\n}, all of it or a failure. */
    static void answerOk(Connection c) throws SyscallException {
        byte[] ok = ("OK " + Integer.toUnsignedString(c.localPort) + "\n").getBytes(StandardCharsets.US_ASCII);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment reply = arena.allocate(ok.length);
            reply.copyFrom(MemorySegment.ofArray(ok));
            if (Libc.write(c.socket.get(), reply) != ok.length) {
                throw new SyscallException("write(OK)", Errno.EAGAIN.number());
            }
        }
    }
}
