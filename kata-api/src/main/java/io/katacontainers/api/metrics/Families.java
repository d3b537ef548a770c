package io.katacontainers.api.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds metric families: a gauge or counter whose data points all carry the same base labels (the sandbox id)
 * plus their own.
 */
public final class Families {
    private final Labels base;
    private final List<MetricSnapshot> families = new ArrayList<>();

    public Families(Labels base) {
        this.base = base;
    }

    /** A family of one gauge. */
    public Families gauge(String name, String help, double value) {
        families.add(GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(base).value(value).build())
                .build());
        return this;
    }

    /** A family of one counter ({@code name} without {@code _total}: the writer appends it). */
    public Families counter(String name, String help, double value) {
        families.add(CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(base).value(value).build())
                .build());
        return this;
    }

    /** A gauge family with one data point per item, labelled {@code item}; nothing when {@code items} is empty. */
    public Families items(String name, String help, Map<String, ? extends Number> items) {
        return labelled(name, help, List.of(new Series(Labels.EMPTY, items)));
    }

    /** Data points that share extra labels (a disk, an interface, a CPU), one per item. */
    public record Series(Labels labels, Map<String, ? extends Number> items) {
    }

    /** A gauge family over several {@link Series}; nothing when they hold no item. */
    public Families labelled(String name, String help, List<Series> series) {
        var family = GaugeSnapshot.builder().name(name).help(help);
        boolean any = false;
        for (Series one : series) {
            for (var item : one.items().entrySet()) {
                family.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(base.merge(one.labels()).add("item", item.getKey()))
                        .value(item.getValue().doubleValue()).build());
                any = true;
            }
        }
        if (any) {
            families.add(family.build());
        }
        return this;
    }

    public Families add(MetricSnapshot family) {
        families.add(family);
        return this;
    }

    public List<MetricSnapshot> build() {
        return List.copyOf(families);
    }
}
