package io.katacontainers.runtime.shim;

import io.katacontainers.api.metrics.ProcFs;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.metrics.ShimMetrics;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.SandboxJanitor;
import io.katacontainers.runtime.service.EventPublisher;
import io.katacontainers.runtime.service.TaskService;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The long-lived shim process: serves containerd's task service on the derived socket until Shutdown finds no
 * container left. It owns the sandbox's VM (the VMM and virtiofsd die with it), and prints {@value ShimStart#READY}
 * on stdout for {@code start} once it listens, then lets go of stdout.
 */
final class ShimDaemon {
    /** containerd's events socket, set by containerd in the shim's environment. */
    static final String TTRPC_ADDRESS = "TTRPC_ADDRESS";
    private static final System.Logger LOG = System.getLogger(ShimDaemon.class.getName());
    /** How long the answer to Shutdown (and any other call in progress) may take to reach containerd. */
    private static final Duration REPLY_GRACE = Duration.ofSeconds(5);

    private ShimDaemon() {
    }

    static int run(ShimArgs args) throws IOException, InterruptedException {
        Path socket = SocketAddress.of(args.address(), args.namespace(), args.id());
        Files.createDirectories(socket.getParent());
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        // Ready as soon as the socket listens: containerd's connection waits in the backlog while the task
        // service is set up, so that work overlaps start's exit and containerd's own.
        System.out.println(ShimStart.READY);
        System.out.flush();
        System.out.close(); // start's pipe: containerd waits for it to close
        // Removes the socket should this process be SIGKILLed (containerd's own cleanup call may be cut short).
        SandboxJanitor socketJanitor = SandboxJanitor.forFiles(List.of(socket));
        CountDownLatch shutdown = new CountDownLatch(1);
        EventPublisher events = new EventPublisher(
                Optional.ofNullable(System.getenv(TTRPC_ADDRESS)).filter(a -> !a.isEmpty()).map(SocketAddress::path),
                args.namespace());
        StateStore store = new StateStore(StateStore.DEFAULT_ROOT);
        TaskService service = new TaskService(store, HypervisorDrivers.installed(), events, shutdown::countDown);
        // Kata's shim-monitor.sock in the sandbox directory, for kata-monitor, while the sandbox exists.
        ShimMetrics metrics = new ShimMetrics(args.id(), service::sandbox, store::sandboxDir, ProcFs.system());
        TtrpcServer server = TtrpcServer.of(metrics.timed(service.definition()));
        // SIGTERM or SIGINT: nothing of the sandbox may outlive the shim.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            metrics.close();
            deleteQuietly(socket);
        }, "shim-exit"));
        Thread.ofPlatform().daemon().name("task-socket").start(() -> {
            try {
                server.listen(listener);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "the task socket {0} failed: {1}", socket, e.getMessage());
                shutdown.countDown();
            }
        });
        LOG.log(System.Logger.Level.INFO, "shim for {0} (namespace {1}) listening on {2}", args.id(),
                args.namespace(), socket);
        shutdown.await();
        server.shutdown(REPLY_GRACE); // returns once every call, Shutdown's own included, has been answered
        metrics.close();
        events.close();
        deleteQuietly(socket);
        socketJanitor.dismiss();
        LOG.log(System.Logger.Level.INFO, "shim for {0} exits", args.id());
        return 0;
    }

    private static void deleteQuietly(Path socket) {
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", socket, e.getMessage());
        }
    }
}
