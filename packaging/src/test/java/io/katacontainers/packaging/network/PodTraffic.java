package io.katacontainers.packaging.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.e2e.Sandboxes;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a container on the pod network must manage, whichever runtime runs it: its script shows the addresses and
 * routes, pings both gateways, receives 16 MiB over TCP and sends them back; the bridge side pings the pod on both
 * families and checks the bytes that come back.
 */
final class PodTraffic {
    static final Duration TIMEOUT = Duration.ofSeconds(240);
    static final int SIZE = 16 * 1024 * 1024;

    private PodTraffic() {
    }

    /** The container's script: show the network, ping both gateways, then receive and send back a blob. */
    static final String SCRIPT = String.join("; ",
            "ip -o addr show eth0",
            "echo ROUTES4; ip route; echo ROUTES6; ip -6 route",
            "ping -c 2 -W 20 " + CniBridge.GATEWAY4 + " >/dev/null && echo PING4-OK",
            "ping -6 -c 2 -W 20 " + CniBridge.GATEWAY6 + " >/dev/null && echo PING6-OK",
            "echo READY",
            "nc -l -p 5001 -e sh -c 'cat > /tmp/blob'",
            "echo RECEIVED $(wc -c < /tmp/blob)",
            "nc " + CniBridge.GATEWAY4 + " 5002 -e cat /tmp/blob",
            "echo SENT");

    static Path bundle(CniBridge bridge, Path dir) throws Exception {
        Path bundle = Sandboxes.bundleOf(dir, "sh", "-c", SCRIPT);
        Path config = bundle.resolve("config.json");
        String json = Files.readString(config)
                .replace("\"namespaces\": [", "\"namespaces\": [{\"type\": \"network\", \"path\": \""
                        + bridge.podPath() + "\"}, ")
                .replace("\"noNewPrivileges\": true", "\"noNewPrivileges\": true, \"capabilities\": {"
                        + "\"bounding\": [\"CAP_NET_RAW\"], \"effective\": [\"CAP_NET_RAW\"], "
                        + "\"permitted\": [\"CAP_NET_RAW\"]}");
        assertTrue(json.contains(bridge.podPath().toString()), json);
        Files.writeString(config, json);
        return bundle;
    }

    /** Runs {@code command} (a runtime's run of the bundle) and plays the bridge side; returns the output. */
    static String exercise(CniBridge bridge, List<String> command) throws Exception {
        byte[] blob = new byte[SIZE];
        new Random(16).nextBytes(blob);
        Process container = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(container.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.equals("READY")) {
                output.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("READY", line, "the container stopped before it was ready:\n" + output);
            String before = output.toString(StandardCharsets.UTF_8);
            // Pinged from the bridge side, both families.
            for (String pod : List.of(CniBridge.POD4, CniBridge.POD6)) {
                bridge.ok(bridge.onBridge("busybox", "ping", "-c", "2", "-W", "20", pod).toArray(String[]::new));
            }
            // The bridge side listens for the blob coming back before it sends it.
            Process receiver = new ProcessBuilder(bridge.onBridge("socat", "-u",
                    "TCP6-LISTEN:5002,reuseaddr,ipv6only=0", "STDOUT")).start();
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> readAll(receiver.getInputStream()));
            Process sender = new ProcessBuilder(bridge.onBridge("socat", "-u", "STDIN",
                    "TCP:" + CniBridge.POD4 + ":5001,retry=100,interval=0.1")).redirectErrorStream(true).start();
            try (OutputStream out = sender.getOutputStream()) {
                out.write(blob);
            }
            assertTrue(sender.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "sending the blob did not end");
            assertEquals(0, sender.exitValue(), new String(sender.getInputStream().readAllBytes()));
            byte[] received = back.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(receiver.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(SIZE, received.length, "bytes that came back from the container");
            assertArrayEquals(blob, received, "the blob came back byte-exact");
            output.writeBytes(container.getInputStream().readAllBytes());
            assertTrue(container.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the container did not end");
            String all = before + output.toString(StandardCharsets.UTF_8).substring(before.length());
            assertEquals(0, container.exitValue(), all);
            return all;
        } finally {
            if (container.isAlive()) {
                container.destroyForcibly().waitFor();
            }
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void assertPodNetwork(String output) {
        assertTrue(output.contains("inet " + CniBridge.POD4 + "/24"), output);
        assertTrue(output.contains("inet6 " + CniBridge.POD6 + "/64"), output);
        assertTrue(output.contains("default via " + CniBridge.GATEWAY4 + " dev eth0"), output);
        assertTrue(output.contains("default via " + CniBridge.GATEWAY6 + " dev eth0"), output);
        assertTrue(output.contains("PING4-OK") && output.contains("PING6-OK"), output);
        assertTrue(output.contains("RECEIVED " + SIZE) && output.contains("SENT"), output);
    }

}
