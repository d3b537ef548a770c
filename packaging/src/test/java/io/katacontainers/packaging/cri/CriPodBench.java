package io.katacontainers.packaging.cri;

import io.katacontainers.packaging.cri.proto.ContainerConfig;
import io.katacontainers.packaging.cri.proto.ContainerMetadata;
import io.katacontainers.packaging.cri.proto.CreateContainerRequest;
import io.katacontainers.packaging.cri.proto.ImageSpec;
import io.katacontainers.packaging.cri.proto.PodSandboxConfig;
import io.katacontainers.packaging.cri.proto.PodSandboxMetadata;
import io.katacontainers.packaging.cri.proto.RemoveContainerRequest;
import io.katacontainers.packaging.cri.proto.RemovePodSandboxRequest;
import io.katacontainers.packaging.cri.proto.RunPodSandboxRequest;
import io.katacontainers.packaging.cri.proto.StartContainerRequest;
import io.katacontainers.packaging.cri.proto.StopContainerRequest;
import io.katacontainers.packaging.cri.proto.StopPodSandboxRequest;
import io.katacontainers.packaging.e2e.Sandboxes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code benchmarks/scripts/cri-pod.sh}'s measurement (not part of the suite: the name does not end in Test): a
 * private containerd with the CRI plugin, then {@code kata.bench.runs} rounds (default 5), each RunPodSandbox,
 * CreateContainer and StartContainer of one busybox container with handler {@code runc} and then {@code kata},
 * timed per CRI call, and the teardown (StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox) timed as
 * one. Prints the medians per call and handler and the ratios kata / runc, and writes them to
 * {@code kata.bench.out} when set.
 */
class CriPodBench {
    private static final String BUSYBOX = "docker.io/library/kata-busybox:bench";
    private static final String PAUSE = "docker.io/library/kata-pause:bench";
    private static final List<String> CALLS = List.of("RunPodSandbox", "CreateContainer", "StartContainer",
            "total", "teardown");

    @TempDir
    Path work;

    @Test
    void podStartThroughCri() throws Exception {
        int runs = Integer.getInteger("kata.bench.runs", 5);
        Sandboxes.requireBuiltTree();
        Path config = Files.writeString(work.resolve("configuration.toml"), Sandboxes.shippedConfigForSlowGuests());
        Map<String, Map<String, List<Double>>> times = new LinkedHashMap<>();
        try (CriContainerd cri = CriContainerd.start(Files.createDirectories(work.resolve("containerd")),
                "cri-bench-" + ProcessHandle.current().pid(), Sandboxes.REPO, Sandboxes.DIST.resolve("bin"), config,
                PAUSE)) {
            cri.importImage(Sandboxes.REPO, PAUSE, "sleep", "1000000");
            cri.importImage(Sandboxes.REPO, BUSYBOX, "sh");
            for (int run = 0; run < runs; run++) {
                for (String handler : List.of("runc", "kata")) {
                    Map<String, List<Double>> calls = times.computeIfAbsent(handler, h -> new LinkedHashMap<>());
                    podOnce(cri, handler, "bench-" + handler + "-" + run, calls);
                }
            }
        }
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "CRI pod start, median of %d (ms): RunPodSandbox + CreateContainer + StartContainer of one container"
                        + "%n%-16s %10s %10s %8s%n", runs, "call", "runc", "kata", "ratio"));
        for (String call : CALLS) {
            double runc = median(times.get("runc").get(call));
            double kata = median(times.get("kata").get(call));
            report.append(String.format(Locale.ROOT, "%-16s %10.0f %10.0f %8.2f%n", call, runc, kata, kata / runc));
        }
        System.out.print(report);
        String out = System.getProperty("kata.bench.out", "");
        if (!out.isEmpty()) {
            Files.writeString(Path.of(out), report);
        }
    }

    private void podOnce(CriContainerd cri, String handler, String name, Map<String, List<Double>> calls)
            throws Exception {
        PodSandboxConfig config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(name + "-uid")
                        .setNamespace("default"))
                .setHostname(name)
                .setLogDirectory(Files.createDirectories(work.resolve("logs").resolve(name)).toString())
                .build();
        long t0 = System.nanoTime();
        String pod = cri.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
        long t1 = System.nanoTime();
        String container = cri.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setSandboxConfig(config)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("app"))
                        .setImage(ImageSpec.newBuilder().setImage(BUSYBOX))
                        .addAllCommand(List.of("sleep", "100000")).setLogPath("app.log"))
                .build()).getContainerId();
        long t2 = System.nanoTime();
        cri.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
        long t3 = System.nanoTime();
        cri.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(container).setTimeout(2)
                .build());
        cri.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(container).build());
        cri.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        cri.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        long t4 = System.nanoTime();
        add(calls, "RunPodSandbox", t1 - t0);
        add(calls, "CreateContainer", t2 - t1);
        add(calls, "StartContainer", t3 - t2);
        add(calls, "total", t3 - t0);
        add(calls, "teardown", t4 - t3);
        if (handler.equals("kata")) {
            awaitGone(Path.of("/run/vc/sbs", pod));
        }
    }

    private static void add(Map<String, List<Double>> calls, String call, long nanos) {
        calls.computeIfAbsent(call, c -> new ArrayList<>()).add(nanos / 1e6);
    }

    /** The shim removes the sandbox directory as it exits: the next round starts on a quiet machine. */
    private static void awaitGone(Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (Files.exists(dir)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(dir + " is still there 120 s after RemovePodSandbox");
            }
            Thread.sleep(100);
        }
    }

    static double median(List<Double> values) {
        assertEquals(false, values.isEmpty(), "no measurement");
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
