package io.katacontainers.benchmarks.check;

import java.util.Locale;

/** What the check says about one metric. */
public sealed interface Verdict {
    String metric();

    /** Whether it fails the check. */
    boolean fails();

    /** One line for people. */
    String describe();

    /** The ratio is within its bound. */
    record Within(String metric, double ratio, double max) implements Verdict {
        public boolean fails() {
            return false;
        }

        public String describe() {
            return String.format(Locale.ROOT, "ok         %-24s ratio %.3f <= %.3f", metric, ratio, max);
        }
    }

    /** The ratio rose beyond its bound: ours got slower relative to the peer. */
    record Regressed(String metric, double ratio, double baseline, double max, double spread) implements Verdict {
        public boolean fails() {
            return true;
        }

        public String describe() {
            return String.format(Locale.ROOT, "REGRESSED  %-24s ratio %.3f > bound %.3f (baseline %.3f, this run's "
                    + "spread %.0f %%)", metric, ratio, max, baseline, spread * 100);
        }
    }

    /** The baseline has it, the run does not: a benchmark broke or was left out. */
    record Missing(String metric, String why) implements Verdict {
        public boolean fails() {
            return true;
        }

        public String describe() {
            return String.format(Locale.ROOT, "MISSING    %-24s %s", metric, why);
        }
    }

    /** The run has it, the baseline does not: nothing to hold it to yet. */
    record Unguarded(String metric, double ratio) implements Verdict {
        public boolean fails() {
            return false;
        }

        public String describe() {
            return String.format(Locale.ROOT, "unguarded  %-24s ratio %.3f (not in the baseline)", metric, ratio);
        }
    }
}
