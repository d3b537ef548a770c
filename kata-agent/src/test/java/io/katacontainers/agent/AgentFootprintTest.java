package io.katacontainers.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's resident memory after it ran containers, with the JVM flags a small guest would use
 * ({@link AgentProcess#LEAN_JVM}). The figure is printed and written to target/agent-footprint.txt.
 */
class AgentFootprintTest {
    /** Generous: the point is to notice a regression by tens of megabytes, not to pin a number. */
    private static final long LIMIT_KIB = 96 * 1024;

    @TempDir
    Path dir;

    @Test
    void residentMemoryAfterAContainerRunStaysSmall() throws Exception {
        Path rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
        try (AgentProcess agentProcess = AgentProcess.start(dir)) {
            long idle = residentKib(agentProcess.pid(), "VmRSS");
            AgentClient agent = agentProcess.agent();
            agent.run("c1", Specs.busybox(rootfs, List.of("sh", "-c", "seq 1 100000")));
            assertEquals(588_895, agent.readAll("c1", "", true).length);
            assertEquals(0, agent.await("c1", ""));
            agent.remove("c1");
            agent.run("c2", Specs.busybox(rootfs, List.of("sleep", "1000")));
            for (int i = 0; i < 10; i++) {
                agent.exec("c2", "e" + i, Specs.process(List.of("echo", "x")));
                agent.readAll("c2", "e" + i, true);
                agent.await("c2", "e" + i);
            }
            long afterRun = residentKib(agentProcess.pid(), "VmRSS");
            long peak = residentKib(agentProcess.pid(), "VmHWM");
            String report = String.format(
                    "agent RSS: %d KiB idle, %d KiB after containers ran, peak %d KiB (JVM flags %s)%n",
                    idle, afterRun, peak, AgentProcess.LEAN_JVM);
            System.out.print(report);
            if (System.getProperty("kata.agent.jvmFlags", "").contains("NativeMemoryTracking")) {
                Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(agentProcess.pid()), "VM.native_memory", "summary").redirectErrorStream(true)
                        .start();
                System.out.print(new String(jcmd.getInputStream().readAllBytes()));
                jcmd.waitFor();
                Process pmap = new ProcessBuilder("sh", "-c", "cat /proc/" + agentProcess.pid() + "/smaps_rollup")
                        .redirectErrorStream(true).start();
                System.out.print(new String(pmap.getInputStream().readAllBytes()));
                pmap.waitFor();
            }
            Files.writeString(Path.of("target", "agent-footprint.txt"), report);
            assertTrue(afterRun < LIMIT_KIB, report);
        }
    }

    private static long residentKib(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").strip());
            }
        }
        throw new IOException(field + " missing from /proc/" + pid + "/status");
    }
}
