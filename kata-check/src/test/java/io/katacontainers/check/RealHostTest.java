package io.katacontainers.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live system, as root, on a PVM host like the build machines (see FACTS.md): the real /dev/kvm is opened
 * and probed. Skipped elsewhere.
 */
class RealHostTest {

    private static void assumePvmHostAsRoot() throws IOException {
        assumeTrue(Files.exists(Path.of("/sys/module/kvm_pvm")) && Files.exists(Path.of("/dev/kvm")),
                "needs a PVM host");
        assumeTrue(Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(line -> line.matches("Uid:\\s+\\d+\\s+0\\s.*")), "needs root");
    }

    @Test
    void verboseOnThisPvmHost() throws IOException {
        assumePvmHostAsRoot();
        CheckCommandTest.Run run = CheckCommandTest.run("--verbose");
        assertEquals(1, run.exitCode());
        assertTrue(run.out().contains("PASS KVM API version: KVM_GET_API_VERSION returned 12"), run.out());
        assertTrue(run.out().contains("KVM_CREATE_VM: "), run.out());
        assertTrue(run.out().contains("FAIL software hypervisor (PVM): /dev/kvm is provided by PVM"), run.out());
        assertTrue(run.out().contains("stock guest kernels cannot run accelerated"), run.out());
        assertTrue(run.out()
                .contains("Hypervisor to use: QEMU with TCG (software emulation), configuration-qemu.toml"));
        assertEquals("ERROR: " + CheckReport.NOT_CAPABLE + System.lineSeparator(), run.err());
    }

    @Test
    void jsonOnThisPvmHostShowsTheProbeRan() throws IOException {
        assumePvmHostAsRoot();
        CheckCommandTest.Run run = CheckCommandTest.run("--json");
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertTrue(json.get("kvmProbed").asBoolean());
        assertFalse(json.get("capable").asBoolean());
        assertFalse(json.get("canCreate").asBoolean());
        for (JsonNode check : json.get("checks")) {
            if (check.get("stage").asText().equals("KVM")) {
                assertFalse(check.get("status").asText().equals("SKIP"), check.toString());
            }
        }
    }
}
