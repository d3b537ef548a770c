package io.katacontainers.benchmarks.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ratios of one run ({@code build/bench/summary.json}).
 *
 * @param machineClass the class of machine it ran on (see {@link MachineClass})
 * @param ratios       one per metric both of whose benchmarks ran
 * @param skipped      metric name to why it has no ratio (a benchmark of the pair did not run)
 */
public record Summary(String machineClass, List<Ratio> ratios, Map<String, String> skipped) {
    public Summary {
        ratios = List.copyOf(ratios);
        skipped = Map.copyOf(skipped);
    }

    /** Pairs the results by {@code metrics}. */
    public static Summary of(String machineClass, List<Metric> metrics, List<JmhResults.Result> results) {
        List<Ratio> ratios = new ArrayList<>();
        Map<String, String> skipped = new java.util.TreeMap<>();
        for (Metric metric : metrics) {
            Optional<JmhResults.Result> ours = find(results, metric.ours());
            Optional<JmhResults.Result> peer = find(results, metric.peer());
            if (ours.isPresent() && peer.isPresent()) {
                ratios.add(Ratio.of(metric, ours.get(), peer.get()));
            } else {
                skipped.put(metric.name(), "not in this run: " + (ours.isEmpty() ? metric.ours() : metric.peer()));
            }
        }
        return new Summary(machineClass, ratios, skipped);
    }

    private static Optional<JmhResults.Result> find(List<JmhResults.Result> results, Metric.Key key) {
        return results.stream().filter(r -> key.matches(r.benchmark(), r.params())).findFirst();
    }

    public Optional<Ratio> ratio(String metric) {
        return ratios.stream().filter(r -> r.metric().equals(metric)).findFirst();
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    public static Summary read(Path file) throws IOException {
        return new ObjectMapper().readValue(file.toFile(), Summary.class);
    }
}
