package io.katacontainers.agent.io;

import io.katacontainers.agent.process.Redirect;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.SyscallException;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Standard streams over three pipes. The runtime is started with the child ends as its stdio and hands them to
 * the container process; the agent keeps the other ends, non-blocking and close-on-exec.
 */
public final class PipeIo implements GuestProcessIo {
    private final Pipes.Pipe stdin;
    private final Pipes.Pipe stdoutPipe;
    private final Pipes.Pipe stderrPipe;
    private final OutputBuffer stdout = new OutputBuffer(BUFFER_CAPACITY, DRAIN_AFTER_EXIT);
    private final OutputBuffer stderr = new OutputBuffer(BUFFER_CAPACITY, DRAIN_AFTER_EXIT);
    private final OutputPump stdoutPump;
    private final OutputPump stderrPump;
    private final InputPump stdinPump;

    private PipeIo(String name, Pipes.Pipe stdin, Pipes.Pipe stdoutPipe, Pipes.Pipe stderrPipe) {
        this.stdin = stdin;
        this.stdoutPipe = stdoutPipe;
        this.stderrPipe = stderrPipe;
        this.stdoutPump = new OutputPump(name + " stdout", stdoutPipe.read().get(), stdout);
        this.stderrPump = new OutputPump(name + " stderr", stderrPipe.read().get(), stderr);
        this.stdinPump = new InputPump(name, stdin.write().get(), fd -> stdin.write().close());
    }

    /** Creates the pipes; {@code name} labels the pump threads. */
    public static PipeIo create(String name) throws SyscallException {
        var pipes = new Pipes.Pipe[3];
        try {
            for (int i = 0; i < pipes.length; i++) {
                pipes[i] = Pipes.pipe(Libc.O_CLOEXEC);
            }
            Pipes.setNonBlocking(pipes[0].write().get());
            Pipes.setNonBlocking(pipes[1].read().get());
            Pipes.setNonBlocking(pipes[2].read().get());
            return new PipeIo(name, pipes[0], pipes[1], pipes[2]);
        } catch (SyscallException | RuntimeException e) {
            for (var pipe : pipes) {
                closeQuietly(pipe, e);
            }
            throw e;
        }
    }

    public Redirect childStdin() {
        return new Redirect.Descriptor(stdin.read().get());
    }

    public Redirect childStdout() {
        return new Redirect.Descriptor(stdoutPipe.write().get());
    }

    public Redirect childStderr() {
        return new Redirect.Descriptor(stderrPipe.write().get());
    }

    /**
     * Closes the agent's copies of the child ends once the runtime has passed them on: otherwise the agent itself
     * would hold stdout open and the stream would never end.
     */
    public void releaseChildEnds() throws SyscallException {
        try (var in = stdin.read(); var out = stdoutPipe.write(); var err = stderrPipe.write()) {
            // closed by try-with-resources
        }
    }

    @Override
    public OutputBuffer stdout() {
        return stdout;
    }

    @Override
    public OutputBuffer stderr() {
        return stderr;
    }

    @Override
    public void write(byte[] data) throws IOException, InterruptedException {
        stdinPump.write(data);
    }

    @Override
    public void closeStdin() {
        stdinPump.close();
    }

    @Override
    public void start() {
        stdoutPump.start();
        stderrPump.start();
    }

    @Override
    public void processExited() {
        stdout.processExited();
        stderr.processExited();
    }

    @Override
    public void close() throws IOException {
        try {
            stdinPump.stop();
            stdoutPump.stop();
            stderrPump.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping the stream pumps");
        } finally {
            try (stdin; stdoutPipe; stderrPipe) {
                // all six ends closed, each at most once
            }
        }
    }

    private static void closeQuietly(Pipes.Pipe pipe, Exception failure) {
        if (pipe != null) {
            try {
                pipe.close();
            } catch (SyscallException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
