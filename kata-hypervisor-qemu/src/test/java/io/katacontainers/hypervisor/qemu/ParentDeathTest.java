package io.katacontainers.hypervisor.qemu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A runtime killed with SIGKILL leaves no QEMU and no virtiofsd behind. */
class ParentDeathTest {
    @TempDir
    Path dir;

    @Test
    void qemuAndVirtiofsdDieWithTheJvmThatStartedThem() throws Exception {
        Path kernel = TinyPvhKernel.write(dir.resolve("kernel.elf"), TinyPvhKernel.Then.HALT);
        Path shared = Files.createDirectories(dir.resolve("shared"));
        // The test runs on the module path; the child JVM takes the same jars on its class path.
        String classPath = Stream.of(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"))
                .filter(path -> path != null && !path.isEmpty())
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, OrphanedVmMain.class.getName(),
                dir.resolve("run").toString(), kernel.toString(), shared.toString())
                .redirectErrorStream(true)
                .start();
        List<Long> pids;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith("PIDS ")) {
                seen.append(line).append('\n');
            }
            assertNotNull(line, () -> "the child JVM did not start its VM:\n" + seen);
            pids = Arrays.stream(line.substring(5).split(" ")).map(Long::parseLong).toList();
        } finally {
            jvm.destroyForcibly();
        }
        assertEquals(2, pids.size(), "virtiofsd and qemu");
        assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (long pid : pids) {
            while (TestVms.running(pid)) {
                assertTrue(System.nanoTime() < end, "pid " + pid + " outlived the JVM that started it");
                Thread.sleep(20);
            }
        }
    }
}
