package io.katacontainers.runtime.cli;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.runtime.agent.AgentDialer;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.DebugConsoleAddress;
import io.katacontainers.ttrpc.Transport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kata-runtime debug-console SANDBOX}: Kata's way into a running guest. Standard input goes to the shell the
 * agent serves on the debug console's port ({@code [agent.kata] debug_console_enabled}: vsock port 1026, or its
 * virtio-serial port where the host has no vsock), and what the shell writes comes back on standard output.
 */
@Command(name = "debug-console", mixinStandardHelpOptions = true,
        description = {"Attach standard input and output to the debug console of a running sandbox: a shell "
                + "(busybox sh) in its guest, outside every container.",
            "The sandbox must have been started with debug_console_enabled = true in [agent.kata]. The console "
                    + "ends when standard input ends (Ctrl-D) or the shell exits (type exit; over virtio-serial, "
                    + "where the host does not see the shell end, then press Ctrl-D)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the console ended", "1:the sandbox or its debug console was not found, or failed"})
final class DebugConsoleCommand implements Callable<Integer> {
    private final StateStore store;
    private final InputStream in;
    private final PrintStream out;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "SANDBOX", description = "The sandbox id (with containerd, the pod's sandbox id; "
            + "with kata-runtime create/run, the container id).")
    private String sandboxId;

    DebugConsoleCommand(StateStore store) {
        this(store, System.in, System.out);
    }

    DebugConsoleCommand(StateStore store, InputStream in, PrintStream out) {
        this.store = store;
        this.in = in;
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        var err = spec.commandLine().getErr();
        Path dir;
        try {
            StateStore.checkId(sandboxId);
            dir = store.sandboxDir(sandboxId);
        } catch (RuntimeException e) {
            err.println("kata-runtime debug-console: " + e.getMessage());
            return 1;
        }
        if (!Files.isDirectory(dir)) {
            err.println("kata-runtime debug-console: no sandbox " + sandboxId + " (" + dir + " does not exist); "
                    + "kata-runtime list shows the running ones");
            return 1;
        }
        Optional<AgentEndpoint> endpoint;
        try {
            endpoint = DebugConsoleAddress.read(dir);
        } catch (IOException e) {
            err.println("kata-runtime debug-console: cannot read " + dir.resolve(DebugConsoleAddress.FILE) + ": "
                    + e.getMessage());
            return 1;
        }
        if (endpoint.isEmpty()) {
            err.println("kata-runtime debug-console: sandbox " + sandboxId + " has no debug console: set "
                    + "debug_console_enabled = true in [agent.kata] of the configuration and start it again");
            return 1;
        }
        Transport console;
        try {
            console = AgentDialer.connect(endpoint.get());
        } catch (IOException e) {
            err.println("kata-runtime debug-console: cannot connect to the debug console of sandbox " + sandboxId
                    + " at " + DebugConsoleAddress.url(endpoint.get()) + ": " + e.getMessage());
            return 1;
        }
        return attach(console);
    }

    /** Copies both ways until standard input ends or the console closes its end. */
    private int attach(Transport console) throws InterruptedException {
        var ended = new CountDownLatch(1);
        Thread output = Thread.ofPlatform().daemon().name("debug-console output").start(() -> {
            try {
                copy(console.input(), out);
            } catch (IOException e) {
                // the connection was closed below, or the guest went away: either ends the console
            } finally {
                ended.countDown();
            }
        });
        Thread.ofPlatform().daemon().name("debug-console input").start(() -> {
            try {
                copy(in, console.output());
            } catch (IOException e) {
                // the console closed while input was being sent
            } finally {
                ended.countDown();
            }
        });
        // Whichever ends first ends the console: the shell's end (its connection closes) or the user's input.
        ended.await();
        try {
            console.close();
        } catch (IOException e) {
            spec.commandLine().getErr().println("kata-runtime debug-console: closing the console: "
                    + e.getMessage());
        }
        output.join(1000);
        out.flush();
        return 0;
    }

    private static void copy(InputStream from, OutputStream to) throws IOException {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = from.read(buffer)) >= 0) {
            to.write(buffer, 0, n);
            to.flush();
        }
    }
}
