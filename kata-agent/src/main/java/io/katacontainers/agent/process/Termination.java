package io.katacontainers.agent.process;

import io.katacontainers.ffm.libc.Processes;

/** How a process ended. */
public sealed interface Termination permits Termination.Exited, Termination.Signaled {

    /** The status WaitProcess reports: the exit code, or 128 + the signal number, as a shell and Kata's agent do. */
    int exitStatus();

    /** The process called exit. */
    record Exited(int code) implements Termination {
        @Override
        public int exitStatus() {
            return code;
        }
    }

    /** A signal ended the process (SIGKILL: status 137). */
    record Signaled(int signal) implements Termination {
        private static final int SIGNAL_OFFSET = 128;

        @Override
        public int exitStatus() {
            return SIGNAL_OFFSET + signal;
        }
    }

    /** The termination a wait status describes. */
    static Termination of(Processes.WaitStatus status) {
        if (status.signaled()) {
            return new Signaled(status.termSignal());
        }
        return new Exited(status.exitCode());
    }
}
