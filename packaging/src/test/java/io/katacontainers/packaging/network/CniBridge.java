package io.katacontainers.packaging.network;

import io.katacontainers.packaging.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A pod network made by the real CNI bridge plugin (Debian's containernetworking-plugins), dual stack, entirely in
 * two network namespaces of the test's own: {@code <name>-br} holds the bridge (gateway 10.16.0.1 and fd16::1), and
 * {@code <name>-pod} is the pod's, with eth0 at 10.16.0.2 and fd16::2. Closing deletes both (and with them every
 * interface, qdisc and filter) and the IPAM directory.
 */
public final class CniBridge implements AutoCloseable {
    public static final String GATEWAY4 = "10.16.0.1";
    public static final String GATEWAY6 = "fd16::1";
    public static final String POD4 = "10.16.0.2";
    public static final String POD6 = "fd16::2";
    private static final Path PLUGINS = Path.of("/usr/lib/cni");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Path ipam;

    private CniBridge(String name, Path ipam) {
        this.name = name;
        this.ipam = ipam;
    }

    static CniBridge create(String name, Path work) throws IOException, InterruptedException {
        if (!Files.isExecutable(PLUGINS.resolve("bridge")) || !Files.isExecutable(PLUGINS.resolve("host-local"))) {
            throw new AssertionError("the CNI bridge and host-local plugins are missing from " + PLUGINS
                    + ": apt-get install containernetworking-plugins");
        }
        CniBridge bridge = new CniBridge(name, work.resolve("ipam"));
        try {
            bridge.ok("ip", "netns", "add", bridge.bridgeNetns());
            bridge.ok("ip", "netns", "add", bridge.podNetns());
            bridge.ok("ip", "-n", bridge.bridgeNetns(), "link", "set", "lo", "up");
            // No duplicate address detection (the namespaces are ours): IPv6 addresses are usable at once.
            for (String netns : List.of(bridge.bridgeNetns(), bridge.podNetns())) {
                bridge.ok("ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                        "net.ipv6.conf.default.accept_dad=0");
            }
            Path conf = work.resolve("cni.json");
            Files.writeString(conf, """
                    {"cniVersion": "1.0.0", "name": "%s", "type": "bridge", "bridge": "%sbr0", "isGateway": true,
                     "ipMasq": false,
                     "ipam": {"type": "host-local", "dataDir": "%s",
                              "ranges": [[{"subnet": "10.16.0.0/24"}], [{"subnet": "fd16::/64"}]],
                              "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}
                    """.formatted(name, name.substring(0, Math.min(name.length(), 10)), bridge.ipam));
            Command add = Command.run(work, Map.of("CNI_COMMAND", "ADD", "CNI_NETNS", bridge.podPath().toString(),
                    "CNI_IFNAME", "eth0", "CNI_CONTAINERID", name, "CNI_PATH", PLUGINS.toString()), false, TIMEOUT,
                    List.of("sh", "-c", "exec nsenter --net=" + bridge.bridgePath() + " " + PLUGINS.resolve("bridge")
                            + " < " + conf));
            if (add.exitCode() != 0) {
                throw new AssertionError("CNI ADD failed: " + add);
            }
            return bridge;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            bridge.close();
            throw e;
        }
    }

    String bridgeNetns() {
        return name + "-br";
    }

    String podNetns() {
        return name + "-pod";
    }

    Path podPath() {
        return Path.of("/run/netns", podNetns());
    }

    Path bridgePath() {
        return Path.of("/run/netns", bridgeNetns());
    }

    /** Runs a command in the bridge's namespace (the "host" side of the pod network). */
    List<String> onBridge(String... command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + bridgePath()));
        argv.addAll(List.of(command));
        return argv;
    }

    /** What of ours is in the pod namespace: taps, ingress qdiscs, filters on eth0. */
    String leftoversInPod() throws IOException, InterruptedException {
        String links = ok("ip", "-n", podNetns(), "-o", "link", "show").stdout();
        String qdiscs = ok("tc", "-n", podNetns(), "qdisc", "show").stdout();
        String filters = ok("tc", "-n", podNetns(), "filter", "show", "dev", "eth0", "ingress").stdout();
        StringBuilder left = new StringBuilder();
        links.lines().filter(l -> l.contains("_kata")).forEach(l -> left.append("link: ").append(l).append('\n'));
        qdiscs.lines().filter(l -> l.contains("ingress")).forEach(l -> left.append("qdisc: ").append(l)
                .append('\n'));
        filters.lines().filter(l -> !l.isBlank()).forEach(l -> left.append("filter: ").append(l).append('\n'));
        return left.toString();
    }

    Command ok(String... argv) throws IOException, InterruptedException {
        Command command = Command.run(Path.of("/"), Map.of(), false, TIMEOUT, List.of(argv));
        if (command.exitCode() != 0) {
            throw new AssertionError(String.join(" ", argv) + ": " + command);
        }
        return command;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (String netns : List.of(podNetns(), bridgeNetns())) {
            if (Files.exists(Path.of("/run/netns", netns))) {
                Command.run(Path.of("/"), Map.of(), false, TIMEOUT, List.of("ip", "netns", "del", netns));
            }
        }
        if (Files.isDirectory(ipam)) {
            try (var files = Files.walk(ipam)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }
}
