package io.katacontainers.runtime.io;

import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.agent.AgentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Copies one container process's stdio between local streams and the agent: output until the agent reports end of
 * stream, input until local end of file, which becomes CloseStdin so the process sees EOF too. Readers start
 * before the process does, and the agent buffers what the process writes, so no output is lost.
 */
public final class ProcessIo {
    private static final System.Logger LOG = System.getLogger(ProcessIo.class.getName());
    private static final int CHUNK = 64 * 1024;

    private final Thread stdout;
    private final Thread stderr;

    private ProcessIo(Thread stdout, Thread stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * @param terminal whether the process has a terminal: then stderr is part of stdout, as on a real tty
     */
    public static ProcessIo attach(AgentClient agent, String containerId, String execId, boolean terminal,
                                   InputStream in, OutputStream out, OutputStream err) {
        Thread stdout = Thread.ofPlatform().name("stdout-" + containerId + "/" + execId).start(() ->
                copyOut(out, max -> agent.readStdout(containerId, execId, max)));
        Thread stderr = terminal ? null : Thread.ofPlatform().name("stderr-" + containerId + "/" + execId).start(() ->
                copyOut(err, max -> agent.readStderr(containerId, execId, max)));
        // Daemon: a process may exit while our stdin stays open (a terminal), and that must not keep us alive.
        Thread.ofPlatform().daemon().name("stdin-" + containerId + "/" + execId).start(() -> copyIn(in, agent, containerId, execId));
        return new ProcessIo(stdout, stderr);
    }

    /** Waits until all output has been copied, or the timeout passes; returns whether it all arrived. */
    public boolean awaitOutput(Duration timeout) throws InterruptedException {
        boolean done = stdout.join(timeout);
        return stderr == null ? done : stderr.join(timeout) && done;
    }

    @FunctionalInterface
    private interface Reader {
        Optional<byte[]> read(int max) throws AgentException;
    }

    private static void copyOut(OutputStream out, Reader reader) {
        try {
            for (Optional<byte[]> chunk = reader.read(CHUNK); chunk.isPresent(); chunk = reader.read(CHUNK)) {
                out.write(chunk.get());
                out.flush();
            }
        } catch (AgentException e) {
            LOG.log(System.Logger.Level.WARNING, "output stream ended early: {0}", e.getMessage());
        } catch (IOException e) {
            // The reader went away (a closed FIFO, a closed terminal): nobody is left to see the rest.
            LOG.log(System.Logger.Level.DEBUG, "output copy ended: {0}", e.getMessage());
        }
    }

    private static void copyIn(InputStream in, AgentClient agent, String containerId, String execId) {
        byte[] buffer = new byte[CHUNK];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (n > 0) {
                    agent.writeStdin(containerId, execId, Arrays.copyOf(buffer, n));
                }
            }
            agent.closeStdin(containerId, execId);
        } catch (IOException | AgentException e) {
            // The process is gone or the sandbox is shutting down: there is nobody left to read the input.
            LOG.log(System.Logger.Level.DEBUG, "stdin copy ended: {0}", e.getMessage());
        }
    }
}
