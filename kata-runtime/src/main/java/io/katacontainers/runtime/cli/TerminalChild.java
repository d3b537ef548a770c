package io.katacontainers.runtime.cli;

import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A child that outlives this command and whose container process has a terminal of its own (the pty handed over
 * {@code --console-socket}): the sandbox holder of {@code create}, the relay of {@code exec --detach}. Its output
 * must not hold this command's stdout or stderr open once this command returned: go-runc (containerd's runc shim,
 * Docker's {@code -t}) reads a terminal create's or exec's output to its end before it goes on. So the child writes
 * into a pipe that this command copies to its own stderr while it runs (the child's errors while starting reach
 * the caller); afterwards the child's writes go nowhere, as runc's own do once its create returned.
 */
final class TerminalChild {
    private static final long DRAIN_MILLIS = 2000;

    private final Process process;
    private final Thread copier;

    private TerminalChild(Process process, Thread copier) {
        this.process = process;
        this.copier = copier;
    }

    /**
     * The same for a child started with {@link PosixSpawn}: a pipe that becomes the child's stdout and stderr, copied
     * to this command's stderr while it runs.
     */
    static final class Output implements AutoCloseable {
        private final Pipes.Pipe pipe;
        private Thread copier;

        private Output(Pipes.Pipe pipe) {
            this.pipe = pipe;
        }

        static Output open() throws SyscallException {
            return new Output(Pipes.pipe(Libc.O_CLOEXEC));
        }

        /** The spawn actions that make the pipe the child's stdout and stderr. */
        List<PosixSpawn.FileAction> asStdoutAndStderr() {
            return List.of(new PosixSpawn.Dup2(pipe.write().get(), 1), new PosixSpawn.Dup2(pipe.write().get(), 2));
        }

        /** Once the child runs: drops this command's write end and copies what the child writes to stderr. */
        void copyToStderr() throws SyscallException {
            pipe.write().close();
            copier = Thread.ofPlatform().daemon().name("terminal-child-output").start(() -> {
                try (InputStream in = FdStreams.input(pipe.read())) {
                    in.transferTo(System.err);
                } catch (IOException e) {
                    throw new UncheckedIOException("copying the sandbox process's output", e);
                } finally {
                    System.err.flush();
                }
            });
        }

        /** After the child exited: what it printed on its way out reaches this command's stderr (bounded wait). */
        void drain() throws InterruptedException {
            if (copier != null) {
                copier.join(DRAIN_MILLIS);
            }
        }

        @Override
        public void close() throws SyscallException {
            pipe.close();
        }
    }

    static TerminalChild start(List<String> argv) throws IOException {
        Process process = new ProcessBuilder(argv).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .start();
        Thread copier = Thread.ofPlatform().daemon().name("terminal-child-output").start(() -> {
            try (InputStream in = process.getInputStream()) {
                in.transferTo(System.err);
            } catch (IOException e) {
                throw new UncheckedIOException("copying the output of " + argv.getFirst(), e);
            } finally {
                System.err.flush();
            }
        });
        return new TerminalChild(process, copier);
    }

    Process process() {
        return process;
    }

    /** After the child exited: what it printed on its way out reaches this command's stderr (bounded wait). */
    void drain() throws InterruptedException {
        copier.join(DRAIN_MILLIS);
    }
}
