package io.katacontainers.benchmarks.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ratios a machine class is held to ({@code benchmarks/baselines/<class>.json}).
 *
 * @param machineClass the class of machine
 * @param recorded     when and how the baseline run was made, for people
 * @param metrics      metric name to its bound
 */
public record Baseline(String machineClass, String recorded, Map<String, Bound> metrics) {
    /** Tolerance however steady the baseline run was: these machines are shared. */
    static final double MIN_TOLERANCE = 0.15;
    /** How many times the baseline's spread a ratio may move. */
    static final double SPREAD_FACTOR = 2.0;

    public Baseline {
        metrics = Map.copyOf(metrics);
    }

    /**
     * @param ratio  the baseline's ratio, ours / peer
     * @param spread its relative spread over forks
     * @param max    the highest ratio a run may have: ratio * (1 + max(15 %, 2 * spread))
     */
    public record Bound(double ratio, double spread, double max) {
        static Bound of(Ratio r) {
            return new Bound(r.ratio(), r.spread(),
                    r.ratio() * (1 + Math.max(MIN_TOLERANCE, SPREAD_FACTOR * r.spread())));
        }
    }

    /** A baseline from a run: every ratio with a bound set from its spread. */
    public static Baseline of(Summary run, String recorded) {
        Map<String, Bound> metrics = new TreeMap<>();
        run.ratios().forEach(r -> metrics.put(r.metric(), Bound.of(r)));
        return new Baseline(run.machineClass(), recorded, metrics);
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).writeValue(file.toFile(), this);
    }

    public static Baseline read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no baseline " + file + " for this machine class: record one with "
                    + "'make bench-baseline' (after 'make bench') and commit it");
        }
        return new ObjectMapper().readValue(file.toFile(), Baseline.class);
    }
}
