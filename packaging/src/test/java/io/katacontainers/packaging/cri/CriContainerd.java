package io.katacontainers.packaging.cri;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.katacontainers.packaging.cri.proto.RuntimeServiceGrpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Debian's containerd with its CRI plugin on (what kubelet talks to), private to a test: its own root, state and
 * socket, runtime handlers {@code kata} (our shim, with a configuration file) and {@code runc}, the CNI bridge
 * plugin from {@code /usr/lib/cni}, and the whole daemon in a network namespace the test made, so the bridge and
 * the pods' veths never touch the host's network. Images are imported into the {@code k8s.io} namespace.
 */
final class CriContainerd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path work;
    private final Path socket;
    private final String netns;
    private final Process containerd;
    private final EpollEventLoopGroup loop;
    private final ManagedChannel channel;

    private CriContainerd(Path work, Path socket, String netns, Process containerd) {
        this.work = work;
        this.socket = socket;
        this.netns = netns;
        this.containerd = containerd;
        this.loop = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }

    /**
     * Makes the network namespace {@code netns} and starts containerd in it.
     *
     * @param shimDir goes first on containerd's PATH, so {@code io.containerd.kata.v2} is our shim
     * @param repo the repository, whose {@code packaging/kubernetes/containerd-kata.toml} (what users add to
     *             containerd's configuration) defines the {@code kata} handler
     * @param kataConfig the configuration the {@code kata} handler's shims load, in place of the snippet's
     */
    static CriContainerd start(Path work, String netns, Path repo, Path shimDir, Path kataConfig,
                               String pauseImage) throws IOException, InterruptedException {
        Path socket = work.resolve("containerd.sock");
        Path cni = Files.createDirectories(work.resolve("cni"));
        Files.writeString(cni.resolve("10-mounts.conflist"), """
                {"cniVersion": "0.4.0", "name": "mounts-cri", "plugins": [
                  {"type": "bridge", "bridge": "cri-mnt0", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.123.45.0/24"}]],
                            "dataDir": "%s"}}]}
                """.formatted(work.resolve("ipam")));
        Files.writeString(work.resolve("config.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%2$s"
                # containerd gives 'containerd-shim-kata-v2 delete' 5 s after a shim died; the JVM's delete took
                # 2 s at load 13 on the 2-core test machine and was killed at 5 s at load 16: room for that here.
                [timeouts]
                  "io.containerd.timeout.shim.cleanup" = "30s"
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%3$s"
                  restrict_oom_score_adj = true
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "/usr/lib/cni"
                    conf_dir = "%4$s"
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                """.formatted(work, socket, pauseImage, cni) + kataHandler(repo, kataConfig));
        run(List.of("ip", "netns", "add", netns));
        run(List.of("ip", "-n", netns, "link", "set", "lo", "up"));
        ProcessBuilder builder = new ProcessBuilder("nsenter", "--net=/run/netns/" + netns, "containerd",
                "--config", work.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(work.resolve("containerd.log").toFile());
        builder.environment().put("PATH", shimDir + ":" + System.getenv("PATH"));
        CriContainerd started = new CriContainerd(work, socket, netns, builder.start());
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!Files.exists(socket) && started.containerd.isAlive() && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        if (!Files.exists(socket)) {
            started.close();
            throw new AssertionError("containerd did not start: " + started.log());
        }
        return started;
    }

    /** The shipped snippet for the {@code kata} handler, its ConfigPath pointed at {@code kataConfig}. */
    private static String kataHandler(Path repo, Path kataConfig) throws IOException {
        String snippet = Files.readString(repo.resolve("packaging/kubernetes/containerd-kata.toml"));
        String configured = snippet.replaceFirst("ConfigPath = \"[^\"]*\"",
                java.util.regex.Matcher.quoteReplacement("ConfigPath = \"" + kataConfig + "\""));
        assertNotEquals(snippet, configured, "containerd-kata.toml has no ConfigPath to set");
        return configured;
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(240, TimeUnit.SECONDS);
    }

    Path socket() {
        return socket;
    }

    String log() throws IOException {
        return Files.readString(work.resolve("containerd.log"));
    }

    /** Builds an image with {@code make-image.sh} and imports it where the CRI plugin looks. */
    void importImage(Path repo, String ref, String... cmd) throws IOException, InterruptedException {
        Path tar = work.resolve(ref.replaceAll("[^A-Za-z0-9]", "_") + ".tar");
        List<String> argv = new java.util.ArrayList<>(List.of(repo.resolve("packaging/bundle/make-image.sh")
                .toString(), tar.toString(), ref));
        argv.addAll(List.of(cmd));
        run(argv);
        run(List.of("ctr", "--address", socket.toString(), "-n", "k8s.io", "image", "import", tar.toString()));
    }

    static String run(List<String> argv) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), String.join(" ", argv) + ": " + out);
        return out;
    }

    /** Stops containerd (a pod the test did not remove is removed first by the test), then the namespace. */
    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        containerd.destroy();
        if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
            containerd.destroyForcibly().waitFor();
        }
        try {
            new ProcessBuilder("ip", "netns", "delete", netns).inheritIO().start().waitFor();
        } catch (IOException e) {
            System.err.println("CriContainerd: cannot delete netns " + netns + ": " + e);
        }
    }
}
