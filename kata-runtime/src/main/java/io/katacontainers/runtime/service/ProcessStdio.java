package io.katacontainers.runtime.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One process's stdio as containerd hands it to the shim: FIFO paths, any of which may be empty (no such stream).
 * The shim owns its FIFO ends from Create (or exec Start) until the process's Delete.
 */
final class ProcessStdio implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProcessStdio.class.getName());
    /** How long finished output may wait for containerd to read it before Delete closes it anyway. */
    private static final Duration DRAIN_PATIENCE = Duration.ofDays(1);

    private final Optional<InputFifo> stdin;
    private final Optional<OutputFifo> stdout;
    private final Optional<OutputFifo> stderr;

    private ProcessStdio(Optional<InputFifo> stdin, Optional<OutputFifo> stdout, Optional<OutputFifo> stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Opens the FIFOs; none is left open when one fails. */
    static ProcessStdio open(String stdin, String stdout, String stderr) throws IOException {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            Optional<InputFifo> in = stdin.isEmpty() ? Optional.empty() : Optional.of(InputFifo.open(Path.of(stdin)));
            in.ifPresent(opened::add);
            Optional<OutputFifo> out = output(stdout, opened);
            Optional<OutputFifo> err = output(stderr, opened);
            return new ProcessStdio(in, out, err);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable fifo : opened) {
                try {
                    fifo.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static Optional<OutputFifo> output(String path, List<AutoCloseable> opened) throws IOException {
        if (path.isEmpty()) {
            return Optional.empty();
        }
        OutputFifo fifo = OutputFifo.open(Path.of(path));
        opened.add(fifo);
        return Optional.of(fifo);
    }

    InputStream in() {
        return stdin.<InputStream>map(fifo -> fifo).orElse(InputStream.nullInputStream());
    }

    OutputStream out() {
        return stdout.<OutputStream>map(fifo -> fifo).orElse(OutputStream.nullOutputStream());
    }

    OutputStream err() {
        return stderr.<OutputStream>map(fifo -> fifo).orElse(OutputStream.nullOutputStream());
    }

    /** containerd's CloseIO: the process's stdin ends once what containerd wrote has been passed on. */
    void closeStdin() throws IOException, InterruptedException {
        if (stdin.isPresent()) {
            stdin.get().closeInput();
        }
    }

    /**
     * The process's output is complete: close each output FIFO once containerd has read it all, so that its reader
     * sees end of file; in the background, since containerd may read it only later.
     */
    void finishOutput(String name) {
        Thread.ofVirtual().name("drain-" + name).start(() -> {
            for (Optional<OutputFifo> fifo : List.of(stdout, stderr)) {
                if (fifo.isPresent()) {
                    try {
                        fifo.get().closeWhenDrained(DRAIN_PATIENCE);
                    } catch (IOException e) {
                        LOG.log(System.Logger.Level.DEBUG, "closing {0}: {1}", fifo.get(), e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
    }

    /** Closes every FIFO end now (Delete). */
    @Override
    public void close() {
        for (Optional<? extends AutoCloseable> fifo : List.of(stdin, stdout, stderr)) {
            if (fifo.isPresent()) {
                try {
                    fifo.get().close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "closing a FIFO: {0}", e.getMessage());
                }
            }
        }
    }
}
