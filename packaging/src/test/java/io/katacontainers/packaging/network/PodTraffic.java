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
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What a container on the pod network must manage, whichever runtime runs it: its script shows the addresses and
 * routes, pings both gateways, receives 16 MiB over TCP and sends them back; the bridge side pings the pod on both
 * families and checks the bytes that come back.
 */
public final class PodTraffic {
    static final Duration TIMEOUT = Duration.ofSeconds(240);
    /** The blob's round trip: about a minute under TCG on a loaded 2-core host. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final int CHUNK = 64 * 1024;
    public static final int SIZE = 16 * 1024 * 1024;

    private PodTraffic() {
    }

    /** The container's script: show the network, ping both gateways, then receive and send back a blob. */
    public static final String SCRIPT = String.join("; ",
            "echo HOSTNAME=$(hostname)",
            "echo RESOLV; cat /etc/resolv.conf; echo END-RESOLV",
            "ip -o addr show eth0",
            "echo ROUTES4; ip route; echo ROUTES6; ip -6 route",
            "ping -c 2 -W 20 " + CniBridge.GATEWAY4 + " >/dev/null && echo PING4-OK",
            "ping -6 -c 2 -W 20 " + CniBridge.GATEWAY6 + " >/dev/null && echo PING6-OK",
            "echo READY",
            "nc -l -p 5001 -e sh -c 'cat > /tmp/blob'",
            "echo RECEIVED $(wc -c < /tmp/blob)",
            "nc " + CniBridge.GATEWAY4 + " 5002 -e cat /tmp/blob",
            "echo SENT");

    /** The pod's hostname in the bundles of {@link #bundle}. */
    public static final String HOSTNAME = "net16-pod";
    /** The resolv.conf the bundles of {@link #bundle} mount, as containerd's CRI plugin and Docker do. */
    public static final String RESOLV_CONF = "nameserver " + CniBridge.GATEWAY4 + "\nsearch net16.example\n"
            + "options ndots:2\n";

    static Path bundle(CniBridge bridge, Path dir) throws Exception {
        return bundle(bridge.podPath(), dir);
    }

    /**
     * A bundle in {@code dir} running {@link #SCRIPT} in the network namespace {@code netns}, with the hostname
     * {@link #HOSTNAME}, a resolv.conf from the host ({@link #RESOLV_CONF}) and CAP_NET_RAW for ping.
     */
    public static Path bundle(Path netns, Path dir) throws Exception {
        Path bundle = Sandboxes.bundleOf(dir, "sh", "-c", SCRIPT);
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), RESOLV_CONF);
        Path config = bundle.resolve("config.json");
        String json = Files.readString(config)
                .replace("\"namespaces\": [", "\"namespaces\": [{\"type\": \"network\", \"path\": \""
                        + netns + "\"}, ")
                .replace("\"hostname\": \"kata\"", "\"hostname\": \"" + HOSTNAME + "\"")
                .replace("\"mounts\": [", "\"mounts\": [{\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", "
                        + "\"source\": \"" + resolv.toAbsolutePath() + "\", \"options\": [\"rbind\", \"ro\"]}, ")
                .replace("\"noNewPrivileges\": true", "\"noNewPrivileges\": true, \"capabilities\": {"
                        + "\"bounding\": [\"CAP_NET_RAW\"], \"effective\": [\"CAP_NET_RAW\"], "
                        + "\"permitted\": [\"CAP_NET_RAW\"]}");
        assertTrue(json.contains(netns.toString()) && json.contains(HOSTNAME) && json.contains(resolv.toString()),
                json);
        Files.writeString(config, json);
        return bundle;
    }

    /**
     * Runs {@code command} (a runtime's run of the bundle) and plays the bridge side; returns the output. Every wait
     * is bounded: the container's READY within {@link #TIMEOUT}, the blob's round trip within
     * {@link #TRANSFER_TIMEOUT} (a stalled transfer fails saying how many bytes went each way), the container's end
     * after it; whatever still runs then is killed.
     */
    static String exercise(CniBridge bridge, List<String> command) throws Exception {
        byte[] blob = new byte[SIZE];
        new Random(16).nextBytes(blob);
        List<Process> processes = new ArrayList<>();
        ExecutorService io = Executors.newVirtualThreadPerTaskExecutor();
        Process container = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(container);
        StringBuffer output = new StringBuffer();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread.ofVirtual().name("container-output").start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(container.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.equals("READY")) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                output.append("(reading the container's output failed: ").append(e).append(")\n");
            } finally {
                ready.completeExceptionally(new AssertionError("the container stopped before it was ready"));
                ended.complete(null);
            }
        });
        try {
            await(ready, TIMEOUT, () -> "the container was not READY within " + TIMEOUT.toSeconds() + " s", output);
            // Pinged from the bridge side, both families.
            for (String pod : List.of(CniBridge.POD4, CniBridge.POD6)) {
                bridge.ok(bridge.onBridge("busybox", "ping", "-c", "2", "-W", "20", pod).toArray(String[]::new));
            }
            // The bridge side listens for the blob coming back before it sends it.
            Process receiver = new ProcessBuilder(bridge.onBridge("socat", "-u",
                    "TCP6-LISTEN:5002,reuseaddr,ipv6only=0", "STDOUT")).start();
            processes.add(receiver);
            AtomicLong cameBack = new AtomicLong();
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(
                    () -> readAll(receiver.getInputStream(), cameBack), io);
            Process sender = new ProcessBuilder(bridge.onBridge("socat", "-u", "STDIN",
                    "TCP:" + CniBridge.POD4 + ":5001,retry=100,interval=0.1")).redirectErrorStream(true).start();
            processes.add(sender);
            AtomicLong sent = new AtomicLong();
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> writeAll(sender, blob, sent),
                    io);
            long started = System.nanoTime();
            Supplier<String> progress = () -> String.format("after %.0f s, %d of %d bytes went to the pod and %d came"
                    + " back", (System.nanoTime() - started) / 1e9, sent.get(), SIZE, cameBack.get());
            await(CompletableFuture.allOf(sending, back), TRANSFER_TIMEOUT,
                    () -> "the transfer stalled: " + progress.get(), output);
            assertTrue(sender.waitFor(QUICK.toSeconds(), TimeUnit.SECONDS), "the sender did not end");
            assertEquals(0, sender.exitValue(), new String(sender.getInputStream().readAllBytes()));
            byte[] received = back.join();
            assertTrue(receiver.waitFor(QUICK.toSeconds(), TimeUnit.SECONDS), "the receiver did not end");
            assertEquals(SIZE, received.length, "bytes that came back from the container");
            assertArrayEquals(blob, received, "the blob came back byte-exact");
            await(ended, QUICK, () -> "the container's output did not end", output);
            assertTrue(container.waitFor(QUICK.toSeconds(), TimeUnit.SECONDS), "the container did not end");
            assertEquals(0, container.exitValue(), output.toString());
            return output.toString();
        } finally {
            for (Process process : processes.reversed()) {
                if (process.isAlive()) {
                    process.destroyForcibly().waitFor(QUICK.toSeconds(), TimeUnit.SECONDS);
                }
            }
            io.shutdownNow();
        }
    }

    /** Waits for {@code future} for at most {@code timeout}; fails with {@code what} and the container's output. */
    private static void await(CompletableFuture<?> future, Duration timeout, Supplier<String> what,
                              StringBuffer output) throws InterruptedException {
        try {
            future.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what.get() + "; the container said:\n" + output, e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause().getMessage() + "; the container said:\n" + output, e.getCause());
        }
    }

    private static void writeAll(Process sender, byte[] blob, AtomicLong sent) {
        try (OutputStream out = sender.getOutputStream()) {
            for (int offset = 0; offset < blob.length; offset += CHUNK) {
                int length = Math.min(CHUNK, blob.length - offset);
                out.write(blob, offset, length);
                sent.addAndGet(length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing the blob to the sender (socat to the pod) after " + sent.get()
                    + " bytes", e);
        }
    }

    private static byte[] readAll(InputStream in, AtomicLong count) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                all.write(buffer, 0, n);
                count.addAndGet(n);
            }
            return all.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container of a {@link #bundle} saw its hostname and the mounted resolv.conf. */
    public static void assertHostnameAndDns(String output) {
        assertTrue(output.contains("HOSTNAME=" + HOSTNAME + "\n"), output);
        assertTrue(output.contains("RESOLV\n" + RESOLV_CONF + "END-RESOLV\n"), output);
    }

    public static void assertPodNetwork(String output) {
        assertPodNetwork(output, SIZE);
    }

    /** The container saw the pod's addresses and routes, pinged both gateways and got {@code size} bytes back. */
    public static void assertPodNetwork(String output, int size) {
        assertTrue(output.contains("inet " + CniBridge.POD4 + "/24"), output);
        assertTrue(output.contains("inet6 " + CniBridge.POD6 + "/64"), output);
        assertTrue(output.contains("default via " + CniBridge.GATEWAY4 + " dev eth0"), output);
        assertTrue(output.contains("default via " + CniBridge.GATEWAY6 + " dev eth0"), output);
        assertTrue(output.contains("PING4-OK") && output.contains("PING6-OK"), output);
        assertTrue(output.contains("RECEIVED " + size + "\n") && output.contains("SENT"), output);
    }

}
