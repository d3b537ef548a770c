package io.katacontainers.benchmarks.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Holds a run to a baseline. */
public final class BenchCheck {
    private BenchCheck() {
    }

    /** One verdict per metric of the baseline, then one per metric only the run has. */
    public static List<Verdict> compare(Baseline baseline, Summary run) {
        if (!baseline.machineClass().equals(run.machineClass())) {
            throw new IllegalArgumentException("the baseline is for machine class " + baseline.machineClass()
                    + ", the run was on " + run.machineClass());
        }
        List<Verdict> verdicts = new ArrayList<>();
        for (Map.Entry<String, Baseline.Bound> entry : baseline.metrics().entrySet()) {
            String name = entry.getKey();
            Baseline.Bound bound = entry.getValue();
            Optional<Ratio> ratio = run.ratio(name);
            if (ratio.isEmpty()) {
                verdicts.add(new Verdict.Missing(name, run.skipped().getOrDefault(name, "not in this run")));
            } else if (ratio.get().ratio() > bound.max()) {
                verdicts.add(new Verdict.Regressed(name, ratio.get().ratio(), bound.ratio(), bound.max(),
                        ratio.get().spread()));
            } else {
                verdicts.add(new Verdict.Within(name, ratio.get().ratio(), bound.max()));
            }
        }
        run.ratios().stream().filter(r -> !baseline.metrics().containsKey(r.metric()))
                .forEach(r -> verdicts.add(new Verdict.Unguarded(r.metric(), r.ratio())));
        return verdicts;
    }
}
