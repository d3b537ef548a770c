/** What the benchmarks share: temporary directories that are removed afterwards. */
package io.katacontainers.benchmarks.support;
