package io.katacontainers.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.katacontainers.check.Fixtures.host;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command as the kata-runtime CLI will run it: exit codes, text and --json. */
class CheckCommandTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CheckCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void capableHostPrintsKataSuccessLineAndExitsZero() {
        Run run = run("--host-root", host("intel").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of(
                "Hypervisor to use: the built-in VMM with KVM, configuration-builtin.toml: hardware virtualization is "
                        + "available (run as root to confirm with KVM ioctls)",
                CheckReport.CAPABLE), run.out().lines().toList());
        assertEquals("", run.err());
    }

    @Test
    void incapableHostPrintsTheFailureAndExitsOne() {
        Run run = run("--host-root", host("pvm").toString(), "--no-network-checks");
        assertEquals(1, run.exitCode());
        assertTrue(run.out().contains("FAIL software hypervisor (PVM): /dev/kvm is provided by PVM"), run.out());
        assertTrue(run.out().contains("WARN kernel module vhost_vsock"), run.out());
        assertFalse(run.out().contains("PASS"), "only problems without --verbose");
        assertTrue(run.out()
                .contains("Hypervisor to use: QEMU with TCG (software emulation), configuration-qemu.toml"));
        assertEquals("ERROR: " + CheckReport.NOT_CAPABLE + System.lineSeparator(), run.err());
    }

    @Test
    void verboseListsEveryCheck() {
        Run run = run("--host-root", host("power9").toString(), "-v");
        assertEquals(0, run.exitCode());
        List<String> lines = run.out().lines().toList();
        assertEquals("Checking ppc64le (IBM Power), host root " + host("power9"), lines.getFirst());
        assertTrue(lines.contains(
                "PASS kernel module kvm_hv: Kernel-based Virtual Machine hardware virtualization: loaded"));
        assertTrue(lines.contains("SKIP KVM_CREATE_VM: the host root is not /, so its /dev/kvm is not opened"));
        assertEquals(CheckReport.CAPABLE, lines.getLast());
    }

    @Test
    void strictFailsOnWarnings() {
        assertEquals(0, run("--host-root", host("intel-nested").toString()).exitCode());
        Run strict = run("--host-root", host("intel-nested").toString(), "--strict");
        assertEquals(1, strict.exitCode());
        assertTrue(strict.out().contains("FAIL kernel module vhost_vsock"), strict.out());
    }

    @Test
    void jsonHasTheReportShape() throws Exception {
        Run run = run("--host-root", host("pvm").toString(), "--json");
        assertEquals(1, run.exitCode());
        assertEquals("", run.err());
        JsonNode json = new ObjectMapper().readTree(run.out());
        List<String> fields = new ArrayList<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(Set.of("architecture", "platform", "hostRoot", "strict", "kvmProbed", "capable", "canCreate",
                "hypervisor", "checks"), Set.copyOf(fields));
        assertEquals("x86_64", json.get("architecture").asText());
        assertEquals("AMD", json.get("platform").asText());
        assertFalse(json.get("capable").asBoolean());
        assertFalse(json.get("kvmProbed").asBoolean());
        assertEquals("qemu", json.at("/hypervisor/hypervisor").asText());
        assertEquals("tcg", json.at("/hypervisor/accelerator").asText());
        assertEquals("configuration-qemu.toml", json.at("/hypervisor/configuration").asText());
        JsonNode pvm = null;
        for (JsonNode check : json.get("checks")) {
            List<String> keys = new ArrayList<>();
            check.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("name", "stage", "status", "reason"), keys);
            if (check.get("name").asText().equals("software hypervisor (PVM)")) {
                pvm = check;
            }
        }
        assertEquals("FAIL", pvm.get("status").asText());
        assertEquals("HOST", pvm.get("stage").asText());
    }

    @Test
    void unreadableHostRootIsAnErrorNotAReport(@TempDir Path empty) {
        Run run = run("--host-root", empty.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("ERROR: " + empty.resolve("proc/cpuinfo") + " does not exist"), run.err());
    }

    @Test
    void badOptionsAreUsageErrors() {
        Run arch = run("--host-root", host("intel").toString(), "--arch", "mips");
        assertEquals(2, arch.exitCode());
        assertTrue(arch.err().contains("unknown --arch 'mips'"), arch.err());
        Run root = run("--host-root", "/nonexistent/root");
        assertEquals(2, root.exitCode());
        assertTrue(root.err().contains("--host-root /nonexistent/root is not a directory"), root.err());
    }

    @Test
    void archOverrideAndHelp() {
        Run forced = run("--host-root", host("arm64").toString(), "--arch", "aarch64", "--json");
        assertEquals(0, forced.exitCode());
        Run help = run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--host-root=DIR"));
        assertTrue(help.out().contains("--no-network-checks"));
    }
}
