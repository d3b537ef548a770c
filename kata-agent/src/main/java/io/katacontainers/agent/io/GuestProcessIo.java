package io.katacontainers.agent.io;

import java.io.IOException;
import java.time.Duration;

/**
 * The agent's side of a container process's standard streams: three pipes, or a terminal.
 */
public sealed interface GuestProcessIo extends AutoCloseable permits PipeIo, TerminalIo {

    /**
     * Output bytes held per stream before the process has to wait for a reader: with the pipe's own 64 KiB this
     * covers several reads of the host, and keeps what a guest full of chatty processes holds small.
     */
    long BUFFER_CAPACITY = 256 * 1024;
    /** How long a read waits for more output after the process exited (Kata's agent: 500 ms). */
    Duration DRAIN_AFTER_EXIT = Duration.ofMillis(500);

    OutputBuffer stdout();

    /** For a terminal, the terminal again: Kata's agent serves ReadStderr from the pty master too. */
    OutputBuffer stderr();

    /** Queues bytes for the process's stdin. */
    void write(byte[] data) throws IOException, InterruptedException;

    /** Ends the process's input once everything written before has arrived. */
    void closeStdin();

    /** Starts the output pumps; called once the process is running. */
    void start();

    /** The process has exited: readers stop waiting for output that may never come. */
    void processExited();

    /** Stops the pumps and closes every descriptor. Unread output is gone. */
    @Override
    void close() throws IOException;
}
