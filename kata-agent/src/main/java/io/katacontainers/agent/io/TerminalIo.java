package io.katacontainers.agent.io;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.ffm.libc.Terminals;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

/**
 * Standard streams over a pseudo-terminal whose master the OCI runtime handed over through the console socket.
 * Output and input share the master.
 *
 * <p>Closing stdin sends the terminal's end-of-file character (VEOF, Ctrl-D) after the pending input instead of
 * closing the master as Kata's agent does: closing the master would hang the terminal up and lose the output
 * still to come.
 */
public final class TerminalIo implements GuestProcessIo {
    private static final byte VEOF = 0x04;

    private final Fd master;
    private final OutputBuffer output = new OutputBuffer(BUFFER_CAPACITY, DRAIN_AFTER_EXIT);
    private final OutputPump outputPump;
    private final InputPump inputPump;

    private TerminalIo(String name, Fd master) {
        this.master = master;
        this.outputPump = new OutputPump(name + " tty", master.get(), output);
        this.inputPump = new InputPump(name, master.get(), TerminalIo::sendEndOfFile);
    }

    /** Takes ownership of {@code master}: it is closed with this object, or right away if this fails. */
    public static TerminalIo of(String name, Fd master) throws SyscallException {
        try {
            Pipes.setNonBlocking(master.get());
            return new TerminalIo(name, master);
        } catch (SyscallException | RuntimeException e) {
            try {
                master.close();
            } catch (SyscallException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    @Override
    public OutputBuffer stdout() {
        return output;
    }

    @Override
    public OutputBuffer stderr() {
        return output;
    }

    @Override
    public void write(byte[] data) throws IOException, InterruptedException {
        inputPump.write(data);
    }

    @Override
    public void closeStdin() {
        inputPump.close();
    }

    /** Sets the window size; the kernel signals SIGWINCH to the foreground process group. */
    public void resize(Terminals.WindowSize size) throws SyscallException {
        Terminals.setWindowSize(master.get(), size);
    }

    @Override
    public void start() {
        outputPump.start();
    }

    @Override
    public void processExited() {
        output.processExited();
    }

    @Override
    public void close() throws IOException {
        try {
            inputPump.stop();
            outputPump.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while stopping the terminal pumps");
        } finally {
            master.close();
        }
    }

    private static void sendEndOfFile(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            Libc.write(fd, arena.allocateFrom(ValueLayout.JAVA_BYTE, VEOF));
        }
    }
}
