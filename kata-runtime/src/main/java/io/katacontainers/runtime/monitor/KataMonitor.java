package io.katacontainers.runtime.monitor;

import io.katacontainers.api.metrics.Exposition;
import io.katacontainers.api.metrics.Families;
import io.katacontainers.api.metrics.ProcFs;
import io.katacontainers.api.metrics.ProcessMetrics;
import io.katacontainers.runtime.metrics.HttpEndpoint;
import io.katacontainers.runtime.metrics.HttpGet;
import io.katacontainers.runtime.metrics.ShimMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Labels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The monitor's work: the sandboxes whose shim serves metrics are those with a {@value ShimMetrics#SOCKET} under
 * the state root, listed again at every request, so shims that come and go are followed without a watch. Every
 * shim is scraped in parallel; one that does not answer in time costs a {@code kata_monitor_scrape_failed_count}
 * and its own series, never the response.
 */
final class KataMonitor {
    private static final System.Logger LOG = System.getLogger(KataMonitor.class.getName());

    private final Path stateRoot;
    private final Duration scrapeTimeout;
    private final ProcFs proc = ProcFs.system();
    private final Counter scrapes = Counter.builder().name("kata_monitor_scrape_count")
            .help("Scrape count (shims scraped).").withoutExemplars().build();
    private final Counter failures = Counter.builder().name("kata_monitor_scrape_failed_count")
            .help("Failed scrape count (shims that did not answer).").withoutExemplars().build();
    private final Histogram durations = Histogram.builder()
            .name("kata_monitor_scrape_durations_histogram_milliseconds").help("Time used to scrape from shims.")
            .classicUpperBounds(1, 5, 10, 50, 100, 500, 1000, 5000, 10000).classicOnly().withoutExemplars().build();

    KataMonitor(Path stateRoot, Duration scrapeTimeout) {
        this.stateRoot = stateRoot;
        this.scrapeTimeout = scrapeTimeout;
    }

    Map<String, HttpEndpoint.Route> routes() {
        return Map.of("/metrics", request -> new HttpEndpoint.Response(200, Exposition.CONTENT_TYPE,
                        metrics().getBytes(StandardCharsets.UTF_8)),
                "/sandboxes", request -> HttpEndpoint.Response.text(200, String.join("\n", sandboxes())
                        + (sandboxes().isEmpty() ? "" : "\n")),
                "/agent-url", this::agentUrl);
    }

    /** The ids of the sandboxes whose shim serves metrics now, sorted. */
    List<String> sandboxes() {
        try (Stream<Path> dirs = Files.list(stateRoot)) {
            return dirs.filter(dir -> Files.exists(dir.resolve(ShimMetrics.SOCKET)))
                    .map(dir -> dir.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            // No state root yet: no sandbox has ever run here.
            LOG.log(System.Logger.Level.DEBUG, "cannot list {0}: {1}", stateRoot, e.getMessage());
            return List.of();
        }
    }

    private HttpEndpoint.Response agentUrl(HttpEndpoint.Request request) throws InterruptedException {
        var id = request.param("sandbox");
        if (id.isEmpty() || id.get().isEmpty() || id.get().contains("/") || id.get().startsWith(".")) {
            return HttpEndpoint.Response.text(400, "name the sandbox: /agent-url?sandbox=ID\n");
        }
        Path socket = stateRoot.resolve(id.get()).resolve(ShimMetrics.SOCKET);
        if (!Files.exists(socket)) {
            return HttpEndpoint.Response.text(404, "no running sandbox " + id.get() + "\n");
        }
        try {
            HttpGet.Result result = HttpGet.unix(socket, "/agent-url", scrapeTimeout);
            return HttpEndpoint.Response.text(result.status(), result.body());
        } catch (IOException e) {
            return HttpEndpoint.Response.text(503, "the shim of " + id.get() + " did not answer: "
                    + e.getMessage() + "\n");
        }
    }

    /** The monitor's families, then every shim's, merged by family. */
    String metrics() throws InterruptedException {
        List<String> ids = sandboxes();
        List<Future<String>> scraped = new ArrayList<>();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String id : ids) {
                scraped.add(executor.submit((Callable<String>) () -> scrape(id)));
            }
        }
        var merge = new FamilyMerge();
        for (int i = 0; i < ids.size(); i++) {
            try {
                merge.add(scraped.get(i).get());
            } catch (java.util.concurrent.ExecutionException e) {
                failures.inc();
                LOG.log(System.Logger.Level.WARNING, "the shim of sandbox {0} gave no metrics: {1}", ids.get(i),
                        e.getCause().getMessage());
            }
        }
        var own = new Families(Labels.EMPTY);
        ProcessMetrics.add(own, "kata_monitor", ProcessHandle.current().pid(), proc, true);
        own.gauge("kata_monitor_running_shim_count", "Running shim count (running sandboxes).", ids.size());
        own.add(scrapes.collect()).add(failures.collect()).add(durations.collect());
        return Exposition.text(own.build()) + merge.text();
    }

    private String scrape(String id) throws IOException, InterruptedException {
        scrapes.inc();
        long begin = System.nanoTime();
        try {
            HttpGet.Result result = HttpGet.unix(stateRoot.resolve(id).resolve(ShimMetrics.SOCKET), "/metrics",
                    scrapeTimeout);
            if (result.status() != 200) {
                throw new IOException("HTTP " + result.status() + ": " + result.body().strip());
            }
            return result.body();
        } finally {
            durations.observe((System.nanoTime() - begin) / 1e6);
        }
    }
}
