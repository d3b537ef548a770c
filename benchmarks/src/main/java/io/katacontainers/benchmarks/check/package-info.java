/**
 * The regression check over the JMH suite: pairs each benchmark of ours with its peer measured in the same run
 * ({@link io.katacontainers.benchmarks.check.Metric}), reduces JMH's JSON to ratios (median over forks of each
 * fork's median; spread from the per-fork ratios), writes and reads the per-machine-class baselines
 * ({@code benchmarks/baselines/<class>.json}), compares a run with them, and generates the section of
 * {@code benchmarks/RESULTS.md} that shows them. {@link io.katacontainers.benchmarks.check.BenchTool} is the CLI
 * behind {@code make bench} and {@code make bench-check}.
 */
package io.katacontainers.benchmarks.check;
