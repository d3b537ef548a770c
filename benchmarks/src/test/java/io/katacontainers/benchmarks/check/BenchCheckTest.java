package io.katacontainers.benchmarks.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check end to end on fabricated JMH output: a run within bounds passes, a regressed ratio fails by name. */
class BenchCheckTest {
    private static final String CLASS = "x86_64-2cpu-test";

    @TempDir
    Path dir;

    /** One JMH result in avgt mode with the given per-fork iteration values. */
    private static String result(String benchmark, String params, double[]... forks) {
        String raw = Stream.of(forks).map(f -> "[" + Stream.of(f[0], f[1], f[2])
                .map(v -> String.format(Locale.ROOT, "%.3f", v)).collect(Collectors.joining(",")) + "]")
                .collect(Collectors.joining(","));
        return """
                {"benchmark":"io.katacontainers.benchmarks.datapath.%s","mode":"avgt","forks":%d,
                 "params":{%s},"primaryMetric":{"score":1.0,"scoreUnit":"ms/op","rawData":[%s]}}"""
                .formatted(benchmark, forks.length, params, raw);
    }

    private static double[] fork(double median) {
        return new double[] {median * 0.99, median, median * 1.02};
    }

    /** vsock: host-to-guest at {@code hostToGuest} ms against a 10 ms peer; blk read 5 against 1. */
    private Path jmhJson(String name, double hostToGuest) throws Exception {
        String json = "[" + String.join(",",
                result("VsockRelayBenchmark.hostToGuest", "\"mib\":\"4\"", fork(hostToGuest), fork(hostToGuest * 1.05),
                        fork(hostToGuest * 0.97)),
                result("VsockRelayBenchmark.unixSocket", "\"mib\":\"4\"", fork(10), fork(10), fork(10)),
                result("BlockBenchmark.virtioRead", "", fork(5), fork(5.2), fork(4.9)),
                result("BlockBenchmark.pread", "", fork(1), fork(1), fork(1))) + "]";
        return Files.writeString(dir.resolve(name), json);
    }

    private Summary summarize(String name, double hostToGuest) throws Exception {
        return Summary.of(CLASS, Metric.CATALOG, JmhResults.read(List.of(jmhJson(name, hostToGuest))));
    }

    @Test
    void ratiosAreMediansOverForksWithTheirSpread() throws Exception {
        Summary run = summarize("run.json", 40);
        Ratio vsock = run.ratio("vsock.host-to-guest").orElseThrow();
        assertEquals(40, vsock.ours(), 1e-9, "median of the fork medians 40, 42, 38.8");
        assertEquals(10, vsock.peer(), 1e-9);
        assertEquals(4.0, vsock.ratio(), 1e-9);
        assertEquals((4.2 - 3.88) / 4.0, vsock.spread(), 1e-9);
        assertEquals(3, vsock.forks());
        assertEquals(5.0, run.ratio("blk.read").orElseThrow().ratio(), 1e-9);
        assertTrue(run.skipped().containsKey("fs.getattr"), run.skipped().toString());
    }

    @Test
    void aRunWithinTheBoundsPasses() throws Exception {
        Baseline baseline = Baseline.of(summarize("base.json", 40), "test");
        assertEquals(4.0 * 1.16, baseline.metrics().get("vsock.host-to-guest").max(), 1e-9,
                "twice the 8 % spread is above the 15 % floor");
        assertEquals(5.0 * 1.15, baseline.metrics().get("blk.read").max(), 1e-9, "the floor");
        List<Verdict> verdicts = BenchCheck.compare(baseline, summarize("run.json", 44));
        assertTrue(verdicts.stream().noneMatch(Verdict::fails), verdicts.toString());
        assertEquals(2, verdicts.size());
    }

    @Test
    void aRegressedRatioFailsNamingTheMetric() throws Exception {
        Baseline baseline = Baseline.of(summarize("base.json", 40), "test");
        List<Verdict> verdicts = BenchCheck.compare(baseline, summarize("run.json", 50));
        Verdict vsock = verdicts.stream().filter(v -> v.metric().equals("vsock.host-to-guest")).findFirst()
                .orElseThrow();
        assertInstanceOf(Verdict.Regressed.class, vsock);
        assertTrue(vsock.describe().contains("vsock.host-to-guest"), vsock.describe());
        assertEquals(List.of("vsock.host-to-guest"), verdicts.stream().filter(Verdict::fails)
                .map(Verdict::metric).toList(), "blk.read did not move");
    }

    @Test
    void theCliExitsNonZeroNamingTheRegressionAndZeroWithinBounds() throws Exception {
        Path baseline = dir.resolve("baseline.json");
        summarize("base.json", 40).write(dir.resolve("base-summary.json"));
        assertEquals(0, tool(List.of("baseline", "--summary", dir.resolve("base-summary.json").toString(),
                "--out", baseline.toString())).status);
        // The baseline survives its JSON round trip.
        assertEquals(Baseline.of(summarize("again.json", 40), ""), Baseline.read(baseline));

        summarize("ok.json", 41).write(dir.resolve("ok-summary.json"));
        Run ok = tool(List.of("check", "--baseline", baseline.toString(), "--summary",
                dir.resolve("ok-summary.json").toString()));
        assertEquals(0, ok.status, ok.output);

        summarize("bad.json", 60).write(dir.resolve("bad-summary.json"));
        Run bad = tool(List.of("check", "--baseline", baseline.toString(), "--summary",
                dir.resolve("bad-summary.json").toString()));
        assertEquals(1, bad.status, bad.output);
        assertTrue(bad.output.contains("FAILED: vsock.host-to-guest"), bad.output);
    }

    @Test
    void aMetricMissingFromTheRunFails() throws Exception {
        Baseline baseline = Baseline.of(summarize("base.json", 40), "test");
        Summary partial = Summary.of(CLASS, Metric.CATALOG, JmhResults.read(List.of(Files.writeString(
                dir.resolve("partial.json"), "[" + result("BlockBenchmark.virtioRead", "", fork(5), fork(5), fork(5))
                        + "," + result("BlockBenchmark.pread", "", fork(1), fork(1), fork(1)) + "]"))));
        Verdict missing = BenchCheck.compare(baseline, partial).stream().filter(Verdict::fails).findFirst()
                .orElseThrow();
        assertInstanceOf(Verdict.Missing.class, missing);
        assertEquals("vsock.host-to-guest", missing.metric());
    }

    @Test
    void resultsSectionIsReplacedBetweenItsMarkersOnly() throws Exception {
        Path md = Files.writeString(dir.resolve("RESULTS.md"), "# Results\n\nhand-written\n");
        Summary run = summarize("run.json", 40);
        ResultsMarkdown.update(md, run, null, "make bench");
        ResultsMarkdown.update(md, run, Baseline.of(run, ""), "make bench");
        String text = Files.readString(md);
        assertTrue(text.startsWith("# Results\n\nhand-written\n"), text);
        assertEquals(1, text.split(java.util.regex.Pattern.quote(ResultsMarkdown.BEGIN), -1).length - 1, text);
        assertTrue(text.contains("| vsock.host-to-guest | 40.00 | 10.00 | ms/op | 4.000 | 8 % | 3 | 4.640 |"), text);
    }

    @Test
    void machineClassNamesTheKindOfKvm(@TempDir Path root) throws Exception {
        assertTrue(MachineClass.detect(root).name().endsWith("cpu-nokvm"));
        Files.createDirectories(root.resolve("dev"));
        Files.writeString(root.resolve("dev/kvm"), "");
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n");
        assertEquals("pvm", MachineClass.detect(root).kvm());
        Files.writeString(root.resolve("proc/cpuinfo"), "processor\t: 0\nflags\t\t: fpu vmx sse2\n");
        assertEquals("kvm", MachineClass.detect(root).kvm());
    }

    private record Run(int status, String output) {
    }

    private static Run tool(List<String> args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = new BenchTool(new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .run(args.toArray(String[]::new));
        return new Run(status, bytes.toString(StandardCharsets.UTF_8));
    }
}
