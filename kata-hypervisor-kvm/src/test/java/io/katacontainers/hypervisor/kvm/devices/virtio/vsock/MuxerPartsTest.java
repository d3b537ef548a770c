package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;

import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pieces the muxer is built from, each on its own: the handshake, the control queue, the connection table. */
class MuxerPartsTest {
    private static final long GUEST_CID = 3;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable resource : resources.reversed()) {
            resource.close();
        }
    }

    /** A connection whose "socket" is the read end of a non-blocking pipe; the write end plays the client. */
    private Pipes.Pipe client() throws SyscallException {
        Pipes.Pipe pipe = Pipes.pipe(0);
        Pipes.setNonBlocking(pipe.read().get());
        resources.add(pipe);
        return pipe;
    }

    private static void send(Pipes.Pipe pipe, String text) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            var bytes = arena.allocateFrom(text, StandardCharsets.US_ASCII).asSlice(0, text.length());
            Libc.write(pipe.write().get(), bytes);
        }
    }

    private Connection connection(Pipes.Pipe pipe) {
        Connection c = new Connection(pipe.read());
        resources.add(c);
        return c;
    }

    @Test
    void connectLinesNameA32BitDecimalPort() {
        assertEquals(1024, HybridHandshake.parseConnect("CONNECT 1024"));
        assertEquals(-1, HybridHandshake.parseConnect("CONNECT 4294967295"));
        assertNull(HybridHandshake.parseConnect("CONNECT 4294967296"));
        assertNull(HybridHandshake.parseConnect("CONNECT "));
        assertNull(HybridHandshake.parseConnect("CONNECT -1"));
        assertNull(HybridHandshake.parseConnect("connect 1024"));
    }

    @Test
    void aRequestLineIsReadUpToItsNewlineAcrossPartialWrites() throws SyscallException {
        Pipes.Pipe pipe = client();
        Connection c = connection(pipe);
        send(pipe, "CONNECT 10");
        assertInstanceOf(HybridHandshake.Outcome.Pending.class, HybridHandshake.readRequestLine(c));
        send(pipe, "24\nbytes for the guest");
        assertEquals(new HybridHandshake.Outcome.Line("CONNECT 1024"), HybridHandshake.readRequestLine(c));
    }

    @Test
    void aLineTooLongOrAClientThatLeavesEndsTheHandshake() throws SyscallException {
        Pipes.Pipe chatty = client();
        send(chatty, "X".repeat(HybridHandshake.MAX_REQUEST_LINE + 1));
        var tooLong = HybridHandshake.readRequestLine(connection(chatty));
        assertEquals(new HybridHandshake.Outcome.TooLong("X".repeat(HybridHandshake.MAX_REQUEST_LINE)), tooLong);

        Pipes.Pipe gone = client();
        gone.write().close();
        assertInstanceOf(HybridHandshake.Outcome.Closed.class, HybridHandshake.readRequestLine(connection(gone)));
    }

    @Test
    void controlPacketsCarryTheConnectionsCreditWhenSentAndCreditUpdatesAreNotQueuedTwice() throws SyscallException {
        ControlQueue controls = new ControlQueue(GUEST_CID, new GuestErrorLog(System.getLogger("test")));
        Connection c = connection(client());
        c.localPort = 7;
        c.peerPort = 1024;
        controls.creditUpdate(c);
        controls.creditUpdate(c);
        c.fwdCnt = 4096;
        PacketHeader h = controls.poll();
        assertTrue(controls.isEmpty(), "a second credit update while one waits is not queued");
        assertEquals(new PacketHeader(Muxer.HOST_CID, GUEST_CID, 7, 1024, 0, PacketHeader.TYPE_STREAM,
                PacketHeader.OP_CREDIT_UPDATE, 0, Connection.BUFFER_SIZE, 4096), h);
        assertEquals(4096, c.lastFwdCntSent);

        controls.creditUpdateIfDue(c);
        assertTrue(controls.isEmpty(), "nothing forwarded since the last update");
        c.fwdCnt += Connection.BUFFER_SIZE / 4;
        controls.creditUpdateIfDue(c);
        assertEquals(PacketHeader.OP_CREDIT_UPDATE, controls.poll().op());
    }

    @Test
    void packetsOfAClosedConnectionAreDroppedButItsRstGoesOut() throws SyscallException {
        ControlQueue controls = new ControlQueue(GUEST_CID, new GuestErrorLog(System.getLogger("test")));
        Connection c = new Connection(client().read()); // closed here, not by closeAll
        controls.add(c, PacketHeader.OP_SHUTDOWN, PacketHeader.SHUTDOWN_SEND);
        controls.add(c, PacketHeader.OP_RST, 0);
        c.close();
        assertNull(controls.poll());
        assertEquals(PacketHeader.OP_RST, controls.poll().op());
        assertTrue(controls.isEmpty());
    }

    @Test
    void rstsForUnknownConnectionsAnswerTheSenderUpToALimit() {
        ControlQueue controls = new ControlQueue(GUEST_CID, new GuestErrorLog(System.getLogger("test")));
        PacketHeader stray = new PacketHeader(GUEST_CID, Muxer.HOST_CID, 5, 6, 0, PacketHeader.TYPE_STREAM,
                PacketHeader.OP_RW, 0, 0, 0);
        for (int i = 0; i < ControlQueue.MAX_CONTROL + 10; i++) {
            controls.rstUnknown(stray);
        }
        PacketHeader first = controls.poll();
        int count = 1;
        for (; !controls.isEmpty(); count++) {
            controls.poll();
        }
        assertEquals(ControlQueue.MAX_CONTROL, count);
        assertEquals(new PacketHeader(Muxer.HOST_CID, GUEST_CID, 6, 5, 0, PacketHeader.TYPE_STREAM,
                PacketHeader.OP_RST, 0, 0, 0), first);
    }

    @Test
    void streamsGetDistinctLocalPortsAndAreFoundByTheirPortPair() throws SyscallException {
        ConnectionTable table = new ConnectionTable();
        Connection a = connection(client());
        Connection b = connection(client());
        table.addHandshake(a);
        table.addHandshake(b);
        assertEquals(2, table.all().size());
        table.addStream(a, 1024);
        table.addStream(b, 1024);
        assertEquals(ConnectionTable.FIRST_LOCAL_PORT, a.localPort);
        assertNotEquals(a.localPort, b.localPort);
        assertSame(b, table.stream(b.localPort, 1024));
        table.remove(a);
        assertNull(table.stream(a.localPort, 1024));
        assertEquals(List.of(b), table.all());
    }
}
