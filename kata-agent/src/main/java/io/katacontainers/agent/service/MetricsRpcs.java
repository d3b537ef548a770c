package io.katacontainers.agent.service;

import io.katacontainers.agent.proto.GetMetricsRequest;
import io.katacontainers.agent.proto.Metrics;
import io.katacontainers.api.metrics.Exposition;
import io.katacontainers.api.metrics.Families;
import io.katacontainers.api.metrics.GuestMetrics;
import io.katacontainers.api.metrics.ProcFs;
import io.katacontainers.api.metrics.ProcessMetrics;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kata's GetMetrics: the agent process's families ({@code kata_agent_*}) and the guest's ({@code kata_guest_*}),
 * read from {@code /proc} at each call (nothing is kept between scrapes but the scrape count), in Prometheus' text
 * format, labelled with the sandbox id CreateSandbox gave.
 */
final class MetricsRpcs {
    private final SandboxIdentity identity;
    private final ProcFs proc;
    private final AtomicLong scrapes = new AtomicLong();

    MetricsRpcs(SandboxIdentity identity, ProcFs proc) {
        this.identity = identity;
        this.proc = proc;
    }

    void register(ServiceDefinition.Builder service) {
        service.method("GetMetrics", GetMetricsRequest.parser(), (request, context) -> metrics());
    }

    Metrics metrics() {
        var out = new Families(Labels.of("sandbox_id", identity.sandboxId()));
        out.counter("kata_agent_scrape_count", "Metrics scrape count.", scrapes.incrementAndGet());
        long pid = Processes.getpid();
        ProcessMetrics.add(out, "kata_agent", pid, proc, false);
        proc.status(pid).entrySet().stream().filter(e -> e.getKey().equals("VmRSS")).findFirst().ifPresent(
                rss -> out.gauge("kata_agent_total_rss", "Agent process total rss size (kB).", rss.getValue()));
        proc.status(pid).entrySet().stream().filter(e -> e.getKey().equals("VmSize")).findFirst().ifPresent(
                vm -> out.gauge("kata_agent_total_vm", "Agent process total vm size (kB).", vm.getValue()));
        GuestMetrics.add(out, proc);
        return Metrics.newBuilder().setMetrics(Exposition.text(out.build())).build();
    }
}
