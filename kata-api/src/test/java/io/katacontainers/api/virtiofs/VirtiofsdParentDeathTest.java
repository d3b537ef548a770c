package io.katacontainers.api.virtiofs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A runtime (or built-in VMM) killed with SIGKILL leaves no virtiofsd behind. */
class VirtiofsdParentDeathTest {
    @TempDir
    Path dir;

    @Test
    void virtiofsdDiesWithTheJvmThatStartedIt() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        // The test runs on the module path; the child JVM takes the same jars on its class path.
        String classPath = Stream.of(System.getProperty("jdk.module.path"), System.getProperty("java.class.path"))
                .filter(path -> path != null && !path.isEmpty())
                .reduce((a, b) -> a + File.pathSeparator + b).orElseThrow();
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, OrphanedVirtiofsdMain.class.getName(),
                dir.resolve("run").toString(), shared.toString())
                .redirectErrorStream(true)
                .start();
        long pid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.startsWith("PID ")) {
                seen.append(line).append('\n');
            }
            assertNotNull(line, () -> "the child JVM did not start virtiofsd:\n" + seen);
            pid = Long.parseLong(line.substring(4).strip());
            assertTrue(running(pid), "virtiofsd runs while its JVM does");
        } finally {
            jvm.destroyForcibly();
        }
        assertTrue(jvm.waitFor(10, TimeUnit.SECONDS));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (running(pid)) {
            assertTrue(System.nanoTime() < end, "virtiofsd (pid " + pid + ") outlived the JVM that started it");
            Thread.sleep(20);
        }
    }

    /** Alive and not a zombie (an orphan is reaped by init soon after it dies). */
    private static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String text = Files.readString(stat);
            return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }
}
