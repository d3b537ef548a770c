package io.katacontainers.benchmarks.check;

import java.util.ArrayList;
import java.util.List;

/**
 * One metric of one run.
 *
 * @param metric the metric's name
 * @param ours   our time per operation: the median over forks of each fork's median
 * @param peer   the peer's, likewise
 * @param unit   the unit of both
 * @param ratio  ours / peer
 * @param spread (max - min) / median of the per-fork ratios (fork i of ours over fork i of the peer)
 * @param forks  how many fork pairs the ratio rests on
 */
public record Ratio(String metric, double ours, double peer, String unit, double ratio, double spread, int forks) {
    /** The ratio of {@code metric} from the two results, which must have forks and the same unit. */
    static Ratio of(Metric metric, JmhResults.Result ours, JmhResults.Result peer) {
        if (!ours.unit().equals(peer.unit())) {
            throw new IllegalArgumentException(metric.name() + ": " + metric.ours() + " is in " + ours.unit()
                    + " but " + metric.peer() + " in " + peer.unit());
        }
        int forks = Math.min(ours.forkMedians().size(), peer.forkMedians().size());
        if (forks == 0) {
            throw new IllegalArgumentException(metric.name() + ": no measured fork");
        }
        List<Double> perFork = new ArrayList<>();
        for (int i = 0; i < forks; i++) {
            perFork.add(ours.forkMedians().get(i) / peer.forkMedians().get(i));
        }
        double o = Stats.median(ours.forkMedians());
        double p = Stats.median(peer.forkMedians());
        return new Ratio(metric.name(), o, p, ours.unit(), o / p, Stats.relativeSpread(perFork), forks);
    }
}
