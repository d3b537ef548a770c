package io.katacontainers.runtime.launch;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * The light process that stands for a container's process on the host, the pid in {@code --pid-file} that
 * containerd's runc shim and conmon reap (Kata 1.x had a small per-process shim for this). It is {@code /bin/sh}
 * running {@link #SCRIPT}: it reads the exit status the sandbox holder writes on descriptor 3 and exits with it
 * (255 when the holder went away without one), and writes the number of every signal it gets (TERM, INT, HUP, QUIT,
 * USR1, USR2, WINCH excepted) on descriptor 4, which the holder forwards to the process in the VM. A shell costs
 * about a millisecond and a megabyte where a JVM cost seconds and a hundred megabytes (benchmarks/RESULTS.md, #17).
 * The heavy work (VM, agent, stdio) stays in the holder, which holds the caller's stdio itself.
 */
public final class ProcessRelay {
    /** The shell the relay runs in; POSIX sh (dash on Debian) is enough. */
    public static final Path SHELL = Path.of("/bin/sh");
    /** Descriptors of the relay, and of the holder's matching ends. */
    public static final int STATUS_FD = 3;
    public static final int SIGNALS_FD = 4;
    /**
     * A trapped signal interrupts {@code read}, which then fails: the loop reads again when that was a signal ({@code
     * g} set by the trap), and exits 255 when it was the end of the pipe (the holder is gone).
     */
    static final String SCRIPT = "for s in TERM:15 INT:2 HUP:1 QUIT:3 USR1:10 USR2:12; do "
            + "trap \"g=1; echo ${s#*:} >&4\" ${s%:*}; done; "
            + "while :; do g=; if read -r s <&3; then exit \"$s\"; fi; [ -n \"$g\" ] || exit 255; done";

    private static final List<String> UNSHARE = List.of("/usr/bin/unshare", "--net", "--");

    private ProcessRelay() {
    }

    /**
     * The argv of a relay, {@code name} showing in {@code ps} as its $0. With {@code newNetns}, the relay starts in
     * a new network namespace ({@code unshare --net}, which execs the shell in the same process), as runc's
     * container process would for a spec that asks for one without a path: Docker's prestart hook sets the
     * container's network up in {@code /proc/<pid>/ns/net} of the pid in the state, and the sandbox scans it then.
     */
    public static List<String> argv(String name, boolean newNetns) {
        List<String> shell = List.of(SHELL.toString(), "-c", SCRIPT, name);
        if (!newNetns) {
            return shell;
        }
        return java.util.stream.Stream.concat(UNSHARE.stream(), shell.stream()).toList();
    }

    /**
     * Starts a relay as a child of this process (which exits soon, so that the caller, a child subreaper, reaps it):
     * stdio on /dev/null, {@code statusRead} on 3 and {@code signalsWrite} on 4.
     *
     * @return its pid
     */
    public static int start(String name, boolean newNetns, Fd statusRead, Fd signalsWrite) throws SyscallException {
        List<String> argv = argv(name, newNetns);
        Path devNull = Path.of("/dev/null");
        return PosixSpawn.spawn(Path.of(argv.getFirst()), argv, List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin"),
                List.of(new PosixSpawn.Open(0, devNull, Libc.O_RDONLY, 0),
                        new PosixSpawn.Open(1, devNull, Libc.O_WRONLY, 0),
                        new PosixSpawn.Open(2, devNull, Libc.O_WRONLY, 0),
                        new PosixSpawn.Dup2(statusRead.get(), STATUS_FD),
                        new PosixSpawn.Dup2(signalsWrite.get(), SIGNALS_FD)), false, 2);
    }

    /** Whether a program the relay needs is missing (a clear error beats a relay that exits at once). */
    public static void check(boolean newNetns) throws IOException {
        if (!Files.isExecutable(SHELL) || (newNetns && !Files.isExecutable(Path.of(UNSHARE.getFirst())))) {
            throw new IOException("the process relay needs " + SHELL + (newNetns ? " and " + UNSHARE.getFirst()
                    + " (util-linux)" : ""));
        }
    }

    /**
     * The holder's ends of a relay's pipes: it writes the exit status once and reads the forwarded signals.
     */
    public static final class HolderEnds implements AutoCloseable {
        private static final System.Logger LOG = System.getLogger(HolderEnds.class.getName());
        private final Fd status;
        private final Fd signals;
        private final AtomicBoolean reported = new AtomicBoolean();

        public HolderEnds(Fd status, Fd signals) {
            this.status = status;
            this.signals = signals;
        }

        /** The descriptors this process inherited from {@code create} at {@link #STATUS_FD}/{@link #SIGNALS_FD}. */
        public static HolderEnds inherited() {
            return new HolderEnds(Fd.adopt(STATUS_FD), Fd.adopt(SIGNALS_FD));
        }

        /**
         * Forwards each signal the relay receives, on a platform thread of its own (a blocking read). When the relay
         * ends before this side reported an exit to it (it was SIGKILLed: the one signal it cannot pass on),
         * {@code relayGone} runs: the process that stood for the container is gone, and so must the container be.
         */
        public void forwardSignals(IntConsumer forward, Runnable relayGone) {
            Thread.ofPlatform().daemon().name("relay-signals").start(() -> {
                try (var in = new BufferedReader(new InputStreamReader(FdStreams.input(signals),
                        StandardCharsets.US_ASCII))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        try {
                            forward.accept(Integer.parseInt(line.trim()));
                        } catch (NumberFormatException e) {
                            LOG.log(System.Logger.Level.WARNING, "the relay sent no signal number: {0}", line);
                        }
                    }
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "relay signals ended: {0}", e.getMessage());
                }
                if (!reported.get()) {
                    relayGone.run();
                }
            });
        }

        /** The relay exits with {@code exitStatus} (only the first report counts). */
        public void exit(int exitStatus) {
            if (!reported.compareAndSet(false, true)) {
                return;
            }
            try (status; OutputStream out = FdStreams.output(status)) {
                out.write((exitStatus + "\n").getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot report exit status {0} to the relay: {1}", exitStatus,
                        e.getMessage());
            }
        }

        @Override
        public void close() throws SyscallException {
            try (status; signals) {
                // both closed; the relay sees the end of its status pipe
            }
        }
    }
}
