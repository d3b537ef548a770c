package io.katacontainers.agent.service;

import io.katacontainers.api.metrics.ProcFs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** GetMetrics answers the agent's and the guest's families with the sandbox id CreateSandbox gave. */
class MetricsRpcsTest {
    @Test
    void theAgentAndGuestFamiliesCarryTheSandboxId() {
        var identity = new SandboxIdentity();
        identity.set("pod-1");
        var rpcs = new MetricsRpcs(identity, ProcFs.system());
        rpcs.metrics();
        String text = rpcs.metrics().getMetrics();
        assertTrue(text.contains("kata_agent_scrape_count_total{sandbox_id=\"pod-1\"} 2.0"), text);
        assertTrue(text.contains("kata_agent_proc_status{item=\"vmrss\",sandbox_id=\"pod-1\"}"), text);
        assertTrue(text.contains("kata_agent_io_stat{item=\"read_bytes\",sandbox_id=\"pod-1\"}"), text);
        assertTrue(text.contains("kata_agent_total_rss{sandbox_id=\"pod-1\"}"), text);
        assertTrue(text.contains("kata_guest_meminfo{item=\"mem_total\",sandbox_id=\"pod-1\"}"), text);
        assertTrue(text.contains("kata_guest_load{item=\"load1\",sandbox_id=\"pod-1\"}"), text);
        assertTrue(text.contains("kata_guest_cpu_time{cpu=\"total\",item=\"user\",sandbox_id=\"pod-1\"}"), text);
    }
}
