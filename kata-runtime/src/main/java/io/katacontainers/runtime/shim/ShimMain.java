package io.katacontainers.runtime.shim;

import io.katacontainers.runtime.cli.Logging;
import io.katacontainers.runtime.config.env.RuntimeVersion;
import io.katacontainers.runtime.persist.StateStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * Entry point of {@code containerd-shim-kata-v2}, containerd's v2 shim for Kata Containers: {@code start} launches
 * (or finds) the shim daemon and prints its address, {@code delete} cleans up after a shim, and without an action
 * the process is the daemon serving containerd's task API over ttrpc.
 */
public final class ShimMain {
    private ShimMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    static int run(String[] argv, InputStream in, PrintStream out, PrintStream err) {
        ShimArgs args;
        try {
            args = ShimArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("containerd-shim-kata-v2: " + e.getMessage());
            return 2;
        }
        try {
            switch (args.action()) {
                case "help" -> out.print(ShimArgs.USAGE);
                case "version" -> out.println("containerd-shim-kata-v2 (Kata Containers in Java) "
                        + RuntimeVersion.current().semver());
                case "start" -> {
                    // containerd reads stdout and stderr together as the address: nothing else may appear there.
                    Logging.configure(Logging.LogLevel.error, null);
                    out.print(ShimStart.run(args.requireTask(), in.readAllBytes()));
                    out.flush();
                }
                case "delete" -> {
                    Logging.configure(args.debug() ? Logging.LogLevel.debug : Logging.LogLevel.warn, null);
                    ShimDelete.run(args.requireTask(), new StateStore(StateStore.DEFAULT_ROOT)).writeTo(out);
                    out.flush();
                }
                case "" -> {
                    Logging.configure(args.debug() ? Logging.LogLevel.debug : Logging.LogLevel.info, null);
                    return ShimDaemon.run(args.requireTask());
                }
                default -> {
                    err.println("containerd-shim-kata-v2: unknown action '" + args.action() + "': use start or "
                            + "delete (see --help)");
                    return 2;
                }
            }
            return 0;
        } catch (ShimException | IllegalArgumentException | IOException e) {
            err.println("containerd-shim-kata-v2 " + args.action() + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("containerd-shim-kata-v2 " + args.action() + ": interrupted");
            return 1;
        }
    }
}
