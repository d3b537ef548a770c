package io.katacontainers.packaging.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The busybox OCI image tar is accepted by a real containerd and runs (with runc, the stock runtime). */
class ImageImportTest {
    private static final String REF = "docker.io/library/kata-busybox:test";

    @TempDir
    Path work;

    private static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), argv + " hung");
        assertEquals(0, process.exitValue(), argv + ":\n" + output);
        return output;
    }

    @Test
    void containerdImportsAndRunsTheImage() throws Exception {
        Path repo = Path.of(System.getProperty("kata.dist", "../build")).toAbsolutePath().normalize().getParent();
        Path image = work.resolve("busybox.tar");
        run(List.of(repo.resolve("packaging/bundle/make-image.sh").toString(), image.toString(), REF));

        Path socket = work.resolve("containerd.sock");
        Files.writeString(work.resolve("config.toml"), """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                """.formatted(work.resolve("root"), work.resolve("state"), socket));
        Process containerd = new ProcessBuilder("containerd", "--config", work.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("containerd.log").toFile()).start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (!Files.exists(socket) && Instant.now().isBefore(deadline)) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "containerd did not start: "
                    + Files.readString(work.resolve("containerd.log")));
            List<String> ctr = new ArrayList<>(List.of("ctr", "--address", socket.toString()));
            assertTrue(run(concat(ctr, "image", "import", image.toString())).contains(REF));
            assertTrue(run(concat(ctr, "image", "ls", "-q")).lines().anyMatch(REF::equals));
            String output = run(concat(ctr, "run", "--rm", REF, "image-test", "sh", "-c", "echo from-the-image"));
            assertTrue(output.contains("from-the-image"), output);
        } finally {
            containerd.destroy();
            containerd.waitFor(10, TimeUnit.SECONDS);
            containerd.destroyForcibly().waitFor();
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
