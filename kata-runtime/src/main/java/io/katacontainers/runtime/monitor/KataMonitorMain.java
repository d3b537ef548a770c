package io.katacontainers.runtime.monitor;

import io.katacontainers.runtime.cli.Logging;
import io.katacontainers.runtime.metrics.HttpEndpoint;
import io.katacontainers.runtime.persist.StateStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code kata-monitor}: Kata's flags, then serves until it is stopped (SIGTERM, SIGINT). */
@Command(name = "kata-monitor", mixinStandardHelpOptions = true,
        description = "Serves the metrics of every Kata sandbox on this host as one Prometheus target: /metrics, "
                + "/sandboxes, /agent-url?sandbox=ID.")
public final class KataMonitorMain implements Callable<Integer> {
    private static final System.Logger LOG = System.getLogger(KataMonitorMain.class.getName());

    @Option(names = "--listen-address", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8090",
            description = "Where to serve HTTP (default ${DEFAULT-VALUE}).")
    private String listenAddress;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info",
            description = "debug, info, warn or error (default ${DEFAULT-VALUE}).")
    private Logging.LogLevel logLevel;

    @Option(names = "--scrape-timeout", paramLabel = "SECONDS", defaultValue = "8",
            description = "How long to wait for one shim's metrics (default ${DEFAULT-VALUE}).")
    private int scrapeTimeoutSeconds;

    @Option(names = "--sandboxes-root", paramLabel = "DIR", defaultValue = "/run/vc/sbs", hidden = true,
            description = "Where the sandboxes' directories are (Kata's /run/vc/sbs).")
    private Path stateRoot = StateStore.DEFAULT_ROOT;

    public static void main(String[] args) {
        System.exit(new CommandLine(new KataMonitorMain()).setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Logging.configure(logLevel, null);
        int colon = listenAddress.lastIndexOf(':');
        if (colon < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--listen-address takes HOST:PORT, e.g. 127.0.0.1:8090, not " + listenAddress);
        }
        String host = listenAddress.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int port = Integer.parseInt(listenAddress.substring(colon + 1));
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress(host, port));
        var monitor = new KataMonitor(stateRoot, Duration.ofSeconds(scrapeTimeoutSeconds));
        CountDownLatch stop = new CountDownLatch(1);
        try (HttpEndpoint endpoint = HttpEndpoint.serve(listener, monitor.routes(), "kata-monitor")) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "monitor-exit"));
            LOG.log(System.Logger.Level.INFO, "kata-monitor serving {0} on {1}", stateRoot,
                    listener.getLocalAddress());
            stop.await();
        }
        return 0;
    }
}
