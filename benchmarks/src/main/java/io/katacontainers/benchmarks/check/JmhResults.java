package io.katacontainers.benchmarks.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The parts of JMH's JSON output ({@code -rf json}) the check needs. */
public final class JmhResults {
    /**
     * One benchmark's result.
     *
     * @param benchmark   the fully qualified benchmark method
     * @param params      its parameters
     * @param unit        the score unit, e.g. {@code us/op}
     * @param forkMedians per fork, the median of its measured iterations
     */
    public record Result(String benchmark, Map<String, String> params, String unit, List<Double> forkMedians) {
        public Result {
            params = Map.copyOf(params);
            forkMedians = List.copyOf(forkMedians);
        }
    }

    private JmhResults() {
    }

    /** Reads the results of every file given (each a JSON array as JMH writes it). */
    public static List<Result> read(List<Path> files) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Result> results = new ArrayList<>();
        for (Path file : files) {
            JsonNode root = json.readTree(file.toFile());
            if (root == null || !root.isArray()) {
                throw new IOException(file + ": not JMH's JSON output (an array of benchmark results)");
            }
            for (JsonNode node : root) {
                results.add(parse(file, node));
            }
        }
        return results;
    }

    private static Result parse(Path file, JsonNode node) throws IOException {
        String benchmark = node.path("benchmark").asText("");
        JsonNode metric = node.path("primaryMetric");
        JsonNode raw = metric.path("rawData");
        if (benchmark.isEmpty() || !raw.isArray() || raw.isEmpty()) {
            throw new IOException(file + ": result " + (benchmark.isEmpty() ? "without a name" : benchmark)
                    + " has no primaryMetric.rawData (run every benchmark in avgt or ss mode)");
        }
        Map<String, String> params = new TreeMap<>();
        node.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));
        List<Double> medians = new ArrayList<>();
        for (JsonNode fork : raw) {
            List<Double> iterations = new ArrayList<>();
            fork.forEach(value -> iterations.add(value.asDouble()));
            if (!iterations.isEmpty()) {
                medians.add(Stats.median(iterations));
            }
        }
        return new Result(benchmark, params, metric.path("scoreUnit").asText(), medians);
    }
}
