/** JMH benchmarks. JMH runs them from the class path; the module descriptor keeps the compile-time view honest. */
open module io.katacontainers.benchmarks {
    requires io.katacontainers.agent.proto;
    requires com.google.protobuf;
    requires jmh.core;
}
