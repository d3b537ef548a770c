/** Boot latency: the built-in VMM booting a guest, next to a raw KVM guest as its peer. */
package io.katacontainers.benchmarks.boot;
