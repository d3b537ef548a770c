package io.katacontainers.runtime.io;

import sun.misc.Signal;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Forwards the signals a user sends to {@code kata-runtime run} (Ctrl-C, kill) to the container's process, as
 * {@code runc run} does, instead of letting them end the runtime and orphan the VM.
 */
public final class SignalForwarder {
    private static final System.Logger LOG = System.getLogger(SignalForwarder.class.getName());
    private static final List<String> FORWARDED = List.of("HUP", "INT", "TERM", "USR2");

    private SignalForwarder() {
    }

    public static void install(IntConsumer forward) {
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), signal -> forward.accept(signal.getNumber()));
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot forward SIG{0}: {1}", name, e.getMessage());
            }
        }
    }

    /** Calls {@code onResize} on SIGWINCH, for terminal sessions. */
    public static void onWindowChange(Runnable onResize) {
        Signal.handle(new Signal("WINCH"), signal -> onResize.run());
    }
}
