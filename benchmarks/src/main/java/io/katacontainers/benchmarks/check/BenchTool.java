package io.katacontainers.benchmarks.check;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CLI behind {@code make bench}, {@code make bench-check} and {@code make bench-baseline} (run by
 * benchmarks/scripts/bench.sh). Exit status: 0 fine, 1 a metric regressed or is missing, 2 a usage or input error.
 */
public final class BenchTool {
    private static final String USAGE = """
            Usage: BenchTool COMMAND [OPTIONS]
              machine-class                       print this machine's class (names the baseline file)
              summarize --machine-class C --out SUMMARY JMH.json...
                                                  ratios ours / peer of every metric, as JSON, and a table
              check --baseline BASELINE --summary SUMMARY
                                                  exits 1 naming each metric whose ratio exceeds its bound
              baseline --summary SUMMARY --out BASELINE [--recorded TEXT]
                                                  a baseline from a run, bounds from its spread
              results --summary SUMMARY --markdown RESULTS.md [--baseline BASELINE] [--command TEXT]
                                                  rewrites the generated section of RESULTS.md
            """;

    private final PrintStream out;

    BenchTool(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new BenchTool(System.out).run(args));
    }

    /** Runs a command; returns the exit status. */
    int run(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Options options = Options.parse(args);
            return switch (args[0]) {
                case "machine-class" -> {
                    out.println(MachineClass.detect(Path.of("/")).name());
                    yield 0;
                }
                case "summarize" -> summarize(options);
                case "check" -> check(options);
                case "baseline" -> {
                    Baseline.of(Summary.read(options.path("--summary")), options.text("--recorded", ""))
                            .write(options.path("--out"));
                    out.println("wrote " + options.path("--out"));
                    yield 0;
                }
                case "results" -> {
                    Baseline baseline = options.has("--baseline") ? Baseline.read(options.path("--baseline")) : null;
                    ResultsMarkdown.update(options.path("--markdown"), Summary.read(options.path("--summary")),
                            baseline, options.text("--command", "make bench"));
                    out.println("updated " + options.path("--markdown"));
                    yield 0;
                }
                default -> throw new IllegalArgumentException("unknown command " + args[0]);
            };
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("BenchTool " + args[0] + ": " + e.getMessage());
            if (e instanceof IllegalArgumentException) {
                System.err.print(USAGE);
            }
            return 2;
        }
    }

    private int summarize(Options options) throws IOException {
        if (options.rest().isEmpty()) {
            throw new IllegalArgumentException("no JMH JSON file given");
        }
        Summary summary = Summary.of(options.text("--machine-class", null), Metric.CATALOG,
                JmhResults.read(options.rest()));
        summary.write(options.path("--out"));
        out.printf(Locale.ROOT, "%-24s %12s %12s %-6s %8s %7s%n", "metric", "ours", "peer", "unit", "ratio", "spread");
        for (Ratio r : summary.ratios()) {
            out.printf(Locale.ROOT, "%-24s %12.4g %12.4g %-6s %8.3f %6.0f%%%n", r.metric(), r.ours(), r.peer(),
                    r.unit(), r.ratio(), r.spread() * 100);
        }
        summary.skipped().forEach((metric, why) -> out.printf("%-24s skipped: %s%n", metric, why));
        return 0;
    }

    private int check(Options options) throws IOException {
        List<Verdict> verdicts = BenchCheck.compare(Baseline.read(options.path("--baseline")),
                Summary.read(options.path("--summary")));
        verdicts.forEach(v -> out.println(v.describe()));
        List<String> failed = verdicts.stream().filter(Verdict::fails).map(Verdict::metric).toList();
        if (failed.isEmpty()) {
            out.println("bench-check: every guarded ratio is within its bound");
            return 0;
        }
        out.println("bench-check: FAILED: " + String.join(", ", failed));
        return 1;
    }

    /** {@code --name value} pairs, then the remaining arguments. */
    private record Options(List<String> pairs, List<Path> rest) {
        static Options parse(String[] args) {
            List<String> pairs = new ArrayList<>();
            List<Path> rest = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                if (args[i].startsWith("--")) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value");
                    }
                    pairs.add(args[i]);
                    pairs.add(args[++i]);
                } else {
                    rest.add(Path.of(args[i]));
                }
            }
            return new Options(pairs, rest);
        }

        boolean has(String name) {
            return pairs.indexOf(name) % 2 == 0;
        }

        String text(String name, String fallback) {
            int i = pairs.indexOf(name);
            if (i % 2 == 0) {
                return pairs.get(i + 1);
            }
            if (fallback == null) {
                throw new IllegalArgumentException("missing " + name);
            }
            return fallback;
        }

        Path path(String name) {
            return Path.of(text(name, null));
        }
    }
}
