package io.katacontainers.packaging.monitor;

import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd;
import io.katacontainers.packaging.shim.PrivateContainerd.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kata-monitor} scraped by a real Prometheus (Debian's, on loopback, a free port, its own data directory)
 * while two pods ({@code -Dkata.monitor.pods} for more) run through a real containerd: Prometheus sees the target
 * up, every family of the shims and agents carries every sandbox id, {@code promtool check metrics} parses the text
 * (its only lints are about Kata's own names), and a deleted pod's series are gone from the next scrape on.
 */
class MonitorPrometheusEndToEndTest {
    private static final Duration RUN = Duration.ofSeconds(240);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String RUNTIME = "io.containerd.kata.v2";
    /** Kata's metric names that promtool's lints dislike; nothing else may draw a lint. */
    private static final List<String> KATA_NAMES_PROMTOOL_LINTS = List.of(
            "kata_monitor_running_shim_count non-histogram and non-summary metrics should not have \"_count\" suffix",
            "kata_monitor_scrape_durations_histogram_milliseconds metric name should not include type 'histogram'",
            "kata_monitor_scrape_durations_histogram_milliseconds use base unit \"seconds\" instead of",
            "kata_shim_rpc_durations_histogram_milliseconds metric name should not include type 'histogram'",
            "kata_shim_rpc_durations_histogram_milliseconds use base unit \"seconds\" instead of");
    /** Pods to run (at least 2); {@code -Dkata.monitor.pods=4} for the scrape-cost figures with more. */
    private static final int PODS = Math.max(2, Integer.getInteger("kata.monitor.pods", 2));
    private static final Pattern TYPE_LINE = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$");

    @TempDir
    static Path work;
    private static PrivateContainerd containerd;
    private static Path config;
    private static Process monitor;
    private static Process prometheus;
    private static final List<String> IDS = new ArrayList<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Sandboxes.requireBuiltTree();
        assertTrue(Files.isExecutable(Sandboxes.DIST.resolve("bin/kata-monitor")), "no bin/kata-monitor");
        config = Files.writeString(work.resolve("configuration.toml"), Sandboxes.shippedConfigForSlowGuests());
        containerd = PrivateContainerd.start(work, Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            stopProcess(prometheus);
            stopProcess(monitor);
            for (String id : IDS.reversed()) {
                containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id);
                containerd.ctr(QUICK, "task", "delete", "--force", id);
                containerd.ctr(QUICK, "container", "delete", id);
            }
        } finally {
            if (containerd != null) {
                containerd.close();
            }
        }
        for (String id : IDS) {
            Sandboxes.assertNothingLeft(id);
        }
    }

    private static void stopProcess(Process process) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void prometheusScrapesEveryPodThroughTheMonitor() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        List<String> pods = new ArrayList<>();
        for (int i = 0; i < PODS; i++) {
            pods.add("obs12-" + (char) ('a' + i) + "-" + suffix);
        }
        String first = pods.getFirst();
        String second = pods.getLast();
        IDS.addAll(pods);
        for (String id : pods) {
            Result run = containerd.ctr(RUN, "run", "--runtime", RUNTIME, "--runtime-config-path", config.toString(),
                    "-d", PrivateContainerd.IMAGE, id, "sleep", "1000");
            assertEquals(0, run.exitCode(), run.toString());
        }
        long shimRssBefore = shimRssKib(first);
        int monitorPort = freePort();
        monitor = new ProcessBuilder(Sandboxes.DIST.resolve("bin/kata-monitor").toString(),
                "--listen-address", "127.0.0.1:" + monitorPort, "--log-level", "debug")
                .redirectErrorStream(true).redirectOutput(work.resolve("monitor.log").toFile()).start();
        String base = "http://127.0.0.1:" + monitorPort;
        await("kata-monitor to list both sandboxes", () -> {
            String list = getOrEmpty(base + "/sandboxes");
            return list.lines().toList().containsAll(pods);
        });

        // An agent's first GetMetrics loads its code in a guest that TCG emulates: it may miss the shim's 5 s
        // deadline (the shim then answers its own families only), so wait until every agent has answered once.
        await("every agent's metrics", () -> {
            String scraped = getOrEmpty(base + "/metrics");
            return pods.stream().allMatch(id -> scraped.contains("kata_agent_scrape_count_total{sandbox_id=\"" + id
                    + "\"}"));
        });
        // The text itself: every family of the shims and agents carries every sandbox id.
        String text = get(base + "/metrics");
        Map<String, String> families = families(text);
        for (String prefix : List.of("kata_shim_", "kata_hypervisor_", "kata_agent_", "kata_guest_")) {
            assertTrue(families.keySet().stream().anyMatch(name -> name.startsWith(prefix)),
                    "no " + prefix + "* family in:\n" + text);
        }
        for (String family : families.keySet()) {
            if (family.startsWith("kata_monitor_")) {
                continue;
            }
            for (String id : pods) {
                assertTrue(Pattern.compile("(?m)^" + Pattern.quote(family) + "(_bucket|_sum|_count|_total)?\\{[^}]*"
                        + "sandbox_id=\"" + Pattern.quote(id) + "\"").matcher(text).find(),
                        "family " + family + " has no series of sandbox " + id);
            }
        }
        assertTrue(text.contains("kata_monitor_running_shim_count "), text);
        assertTrue(text.contains("kata_agent_proc_status{item=\"vmrss\",sandbox_id=\"" + first + "\"}"), text);
        Result check = PrivateContainerd.run(writeTemp("metrics.txt", text), QUICK, List.of("promtool", "check",
                "metrics"));
        // promtool parses the text (exit 1 otherwise); its lints (exit 3) may only name Kata's own documented names
        // (kata-2-0-metrics.md), which break Prometheus' naming advice: *_histogram_milliseconds, *_shim_count.
        if (check.exitCode() != 0) {
            assertEquals(3, check.exitCode(), "promtool check metrics: " + check);
            List<String> lints = check.stderr().lines().filter(line -> !line.isBlank()).toList();
            assertFalse(lints.isEmpty(), check.toString());
            for (String lint : lints) {
                assertTrue(KATA_NAMES_PROMTOOL_LINTS.stream().anyMatch(lint::startsWith), "promtool: " + lint);
            }
        }

        // The scrape cost, reported (not asserted: the machine's load decides it).
        System.out.printf("kata-monitor /metrics with %d pods: median %d ms over 10 scrapes; shim RSS %d KiB before "
                + "any scrape, %d KiB after%n", PODS, medianScrapeMillis(base), shimRssBefore, shimRssKib(first));

        // A real Prometheus scraping the monitor every 3 s (the agents answer slowly under TCG).
        int prometheusPort = freePort();
        Path prometheusConfig = writeTemp("prometheus.yml", """
                global:
                  scrape_interval: 3s
                  scrape_timeout: 3s
                scrape_configs:
                  - job_name: kata
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(monitorPort));
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + prometheusConfig,
                "--storage.tsdb.path=" + work.resolve("prometheus-data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
        String api = "http://127.0.0.1:" + prometheusPort + "/api/v1/query?query=";
        // Its query API answers 503 until the TSDB is open: wait for /-/ready first.
        await("Prometheus to be ready", () -> isOk("http://127.0.0.1:" + prometheusPort + "/-/ready"));
        await("Prometheus to scrape kata-monitor with up == 1",
                () -> query(api, "up{job=\"kata\"} == 1").contains("\"value\""));
        for (String id : pods) {
            String memTotal = "kata_guest_meminfo{item=\"mem_total\",sandbox_id=\"" + id + "\"}";
            await("Prometheus to hold " + memTotal, () -> query(api, memTotal).contains("\"value\""));
            await("Prometheus to hold the shim RPC timings of " + id, () -> query(api,
                    "kata_shim_rpc_durations_histogram_milliseconds_count{action=\"create\",sandbox_id=\"" + id
                            + "\"}").contains("\"value\""));
        }

        // Deleting a pod takes its series out of the very next scrape, and out of Prometheus after it.
        assertEquals(0, containerd.ctr(QUICK, "task", "kill", "-s", "KILL", second).exitCode());
        await(second + " to stop", () -> !taskRunning(second));
        Result delete = containerd.ctr(QUICK, "task", "delete", second);
        assertEquals(0, delete.exitCode(), delete.toString());
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", second).exitCode());
        IDS.remove(second);
        String after = get(base + "/metrics");
        assertFalse(after.contains("sandbox_id=\"" + second + "\""), "series of deleted " + second + " remain");
        assertTrue(after.contains("sandbox_id=\"" + first + "\""), after);
        double deletedAt = System.currentTimeMillis() / 1000.0;
        await("Prometheus to scrape again after the delete", () -> {
            Matcher value = Pattern.compile("\"value\":\\[([0-9.]+),\"([0-9.e+]+)\"\\]")
                    .matcher(query(api, "timestamp(up{job=\"kata\"})"));
            return value.find() && Double.parseDouble(value.group(2)) > deletedAt;
        });
        assertFalse(query(api, "count({sandbox_id=\"" + second + "\"})").contains("\"value\""),
                "Prometheus still holds series of " + second);
        assertTrue(query(api, "count({sandbox_id=\"" + first + "\"})").contains("\"value\""),
                "Prometheus lost the series of " + first);
        Sandboxes.assertNothingLeft(second);
        System.out.printf("kata-monitor /metrics with %d pods: median %d ms over 10 scrapes%n", PODS - 1,
                medianScrapeMillis(base));
    }

    private static long medianScrapeMillis(String base) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long begin = System.nanoTime();
            get(base + "/metrics");
            millis.add((System.nanoTime() - begin) / 1_000_000);
        }
        millis.sort(null);
        return millis.get(millis.size() / 2);
    }

    /** VmRSS of the pod's shim (its pid from containerd's bundle directory). */
    private static long shimRssKib(String id) throws IOException {
        String pid = Files.readString(containerd.bundle(id).resolve("shim.pid")).trim();
        Matcher rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc", pid,
                "status")));
        assertTrue(rss.find(), "no VmRSS for shim " + pid);
        return Long.parseLong(rss.group(1));
    }

    /** Family name → type, from the {@code # TYPE} lines. */
    private static Map<String, String> families(String text) {
        Map<String, String> families = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        Matcher type = TYPE_LINE.matcher(text);
        while (type.find()) {
            assertTrue(seen.add(type.group(1)), "family " + type.group(1) + " typed twice");
            families.put(type.group(1), type.group(2));
        }
        return families;
    }

    private boolean taskRunning(String id) {
        try {
            return containerd.ctr(QUICK, "task", "ls").out().lines()
                    .anyMatch(line -> line.startsWith(id + " ") && line.contains("RUNNING"));
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String query(String api, String promql) {
        return getOrEmpty(api + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    /** The body, or "" while the server is not up yet. */
    private static String getOrEmpty(String url) {
        try {
            return get(url);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Whether the URL answers 200 (false while the server is not up yet or not ready). */
    private static boolean isOk(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static Path writeTemp(String name, String text) throws IOException {
        return Files.writeString(work.resolve(name), text);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\nmonitor log:\n"
                        + Files.readString(work.resolve("monitor.log")));
            }
            Thread.sleep(200);
        }
    }
}
