package io.katacontainers.agent.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.katacontainers.agent.container.GuestSandbox;
import io.katacontainers.agent.io.OutputBuffer;
import io.katacontainers.agent.io.GuestProcessIo;
import io.katacontainers.agent.io.TerminalIo;
import io.katacontainers.agent.proto.CloseStdinRequest;
import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.agent.proto.ReadStreamResponse;
import io.katacontainers.agent.proto.TtyWinResizeRequest;
import io.katacontainers.agent.proto.WriteStreamRequest;
import io.katacontainers.agent.proto.WriteStreamResponse;
import io.katacontainers.ffm.libc.Terminals;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.StatusException;
import java.util.function.Function;

/**
 * Process I/O the way Kata's host side polls it: ReadStdout/ReadStderr block until there is output and answer
 * empty data at end of stream; WriteStdin with empty data closes stdin (runtime-rs) like CloseStdin does.
 */
final class StreamRpcs {
    /** Used when a read asks for 0 bytes; reads are also capped well below ttrpc's 4 MiB message limit. */
    private static final int DEFAULT_READ = 64 * 1024;
    private static final int MAX_READ = 2 * 1024 * 1024;

    private final GuestSandbox sandbox;

    StreamRpcs(GuestSandbox sandbox) {
        this.sandbox = sandbox;
    }

    void register(ServiceDefinition.Builder service) {
        service.method("ReadStdout", ReadStreamRequest.parser(),
                (request, context) -> read(request, GuestProcessIo::stdout));
        service.method("ReadStderr", ReadStreamRequest.parser(),
                (request, context) -> read(request, GuestProcessIo::stderr));
        service.method("WriteStdin", WriteStreamRequest.parser(), (request, context) -> write(request));
        service.method("CloseStdin", CloseStdinRequest.parser(), (request, context) -> close(request));
        service.method("TtyWinResize", TtyWinResizeRequest.parser(),
                (request, context) -> resize(request));
    }

    private ReadStreamResponse read(ReadStreamRequest request, Function<GuestProcessIo, OutputBuffer> stream)
            throws InterruptedException {
        GuestProcessIo io = sandbox.process(request.getContainerId(), request.getExecId()).io();
        int length = request.getLen() == 0 ? DEFAULT_READ : (int) Math.min(Integer.toUnsignedLong(request.getLen()),
                MAX_READ);
        return ReadStreamResponse.newBuilder()
                .setData(ByteString.copyFrom(stream.apply(io).take(length))).build();
    }

    private WriteStreamResponse write(WriteStreamRequest request) throws Exception {
        GuestProcessIo io = sandbox.process(request.getContainerId(), request.getExecId()).io();
        if (request.getData().isEmpty()) {
            io.closeStdin();
        } else {
            io.write(request.getData().toByteArray());
        }
        return WriteStreamResponse.newBuilder().setLen(request.getData().size()).build();
    }

    private Empty close(CloseStdinRequest request) {
        sandbox.process(request.getContainerId(), request.getExecId()).io().closeStdin();
        return Empty.getDefaultInstance();
    }

    private Empty resize(TtyWinResizeRequest request) throws Exception {
        GuestProcessIo io = sandbox.process(request.getContainerId(), request.getExecId()).io();
        if (!(io instanceof TerminalIo terminal)) {
            // Kata's agent answers UNAVAILABLE "no tty" for a process without a terminal.
            throw new StatusException(Code.UNAVAILABLE, "no tty");
        }
        terminal.resize(new Terminals.WindowSize(request.getRow(), request.getColumn()));
        return Empty.getDefaultInstance();
    }
}
