/**
 * JMH benchmarks, each against a peer measured in the same run, and the regression check over their ratios
 * ({@code make bench}, {@code make bench-check}). JMH runs the benchmarks from the class path; the module
 * descriptor keeps the compile-time view honest (the built-in VMM's internals are opened to it by the build only).
 */
open module io.katacontainers.benchmarks {
    requires io.katacontainers.agent.proto;
    requires io.katacontainers.api;
    requires io.katacontainers.ffm;
    requires io.katacontainers.hypervisor.kvm;
    requires io.katacontainers.hypervisor.qemu;
    requires com.google.protobuf;
    requires com.fasterxml.jackson.databind;
    requires jmh.core;
}
