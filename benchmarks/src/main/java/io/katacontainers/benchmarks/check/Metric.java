package io.katacontainers.benchmarks.check;

import java.util.List;
import java.util.Map;

/**
 * One guarded figure: a benchmark of ours and its peer, both time per operation, so that the ratio ours / peer
 * rises when ours gets slower.
 *
 * @param name        the metric's name in summaries, baselines and messages
 * @param description what is measured, for RESULTS.md
 * @param ours        the benchmark of ours
 * @param peer        its peer, measured in the same run
 */
public record Metric(String name, String description, Key ours, Key peer) {
    /**
     * A benchmark as JMH names it in its JSON: the simple class name and method, plus the parameters that select it
     * (the others may take any value).
     */
    public record Key(String classAndMethod, Map<String, String> params) {
        public Key {
            params = Map.copyOf(params);
        }

        static Key of(String classAndMethod) {
            return new Key(classAndMethod, Map.of());
        }

        /** Whether a JMH result (fully qualified benchmark name, its parameters) is this benchmark. */
        boolean matches(String benchmark, Map<String, String> resultParams) {
            return benchmark.endsWith("." + classAndMethod)
                    && params.entrySet().stream().allMatch(e -> e.getValue().equals(resultParams.get(e.getKey())));
        }

        @Override
        public String toString() {
            return params.isEmpty() ? classAndMethod : classAndMethod + params;
        }
    }

    /** Every metric the suite guards. */
    public static final List<Metric> CATALOG = List.of(
            new Metric("boot.port-write", "built-in VMM, tiny guest to its COM1 write vs bare KVM bindings",
                    Key.of("VmmBootBenchmark.builtinToPortWrite"), Key.of("VmmBootBenchmark.rawToPortWrite")),
            new Metric("boot.halt", "built-in VMM, tiny guest to its halt vs bare KVM bindings",
                    Key.of("VmmBootBenchmark.builtinToHalt"), Key.of("VmmBootBenchmark.rawToHalt")),
            new Metric("boot.setup", "built-in VMM set-up (memory, VM, vCPU, devices) vs bare KVM bindings",
                    Key.of("VmmBootBenchmark.builtinSetup"), Key.of("VmmBootBenchmark.rawSetup")),
            new Metric("boot.qemu-tcg-init", "QEMU TCG, our kernel + test initrd to /init vs a few-byte PVH payload",
                    Key.of("QemuBootBenchmark.kernelToInit"), Key.of("QemuBootBenchmark.qemuToPayload")),
            new Metric("vsock.host-to-guest", "virtio-vsock relay, host to guest vs a plain unix socket",
                    Key.of("VsockRelayBenchmark.hostToGuest"), Key.of("VsockRelayBenchmark.unixSocket")),
            new Metric("vsock.guest-to-host", "virtio-vsock relay, guest to host vs a plain unix socket",
                    Key.of("VsockRelayBenchmark.guestToHost"), Key.of("VsockRelayBenchmark.unixSocket")),
            new Metric("blk.read", "virtio-blk sequential read vs pread on the same file",
                    Key.of("BlockBenchmark.virtioRead"), Key.of("BlockBenchmark.pread")),
            new Metric("blk.write", "virtio-blk sequential write vs pwrite on the same file",
                    Key.of("BlockBenchmark.virtioWrite"), Key.of("BlockBenchmark.pwrite")),
            new Metric("fs.getattr", "virtio-fs FUSE GETATTR round trip vs a direct vhost-user session",
                    Key.of("VirtioFsBenchmark.device"), Key.of("VirtioFsBenchmark.vhostUser")),
            new Metric("ttrpc.rtt", "ttrpc unary call, Java client to Java server vs to containerd's Go server",
                    new Key("TtrpcRoundTripBenchmark.healthCheck", Map.of("server", "java")),
                    new Key("TtrpcRoundTripBenchmark.healthCheck", Map.of("server", "go"))),
            new Metric("agent.container-run", "agent in host mode, Create/Start/Wait/RemoveContainer vs runc run",
                    Key.of("AgentContainerBenchmark.agentRun"), Key.of("AgentContainerBenchmark.runcRun")));
}
