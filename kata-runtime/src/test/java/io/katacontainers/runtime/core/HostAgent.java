package io.katacontainers.runtime.core;

import io.katacontainers.api.guest.GuestContract;
import io.katacontainers.ffm.libc.Mounts;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real kata-agent as the guest of a fake VM: its own JVM (the agent's module path, built by kata-agent's
 * {@code package}; the project's JVM options, packaging/jvm/base.args, without the guest's heap limits), runc as
 * its runtime, a unix socket as its channel, in a mount namespace of its own that looks
 * like the guest's: a private {@code /run} with the sandbox's shared directory at
 * {@link GuestContract#GUEST_SHARED_DIR}, where a guest's init would have mounted the virtio-fs share (the agent
 * then finds the {@code kataShared} storage mounted, as in a guest). The shared directory is made a shared mount on
 * the host first, and the namespace a slave of it, so the rootfs bind mounts the runtime makes later appear in the
 * "guest", as virtio-fs shows them. Every mount the agent makes dies with its namespace.
 */
final class HostAgent implements AutoCloseable {
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path UNSHARE = Path.of("/usr/bin/unshare");
    private static final Duration EXIT_PATIENCE = Duration.ofSeconds(30);
    /** The namespace's view: a fresh /run, the shared directory where the guest mounts it, then the agent. */
    private static final String GUEST_VIEW = "mount -t tmpfs -o mode=0755 guest-run /run && mkdir -p \"$1\""
            + " && mount --bind \"$2\" \"$1\" && shift 2 && exec \"$@\"";

    private final Process process;
    private final Path sharedDir;
    private final Path log;
    private final String cgroupParent;

    private HostAgent(Process process, Path sharedDir, Path log, String cgroupParent) {
        this.process = process;
        this.sharedDir = sharedDir;
        this.log = log;
        this.cgroupParent = cgroupParent;
    }

    /** Starts the agent listening on {@code socket}; its state and log go to {@code workDir}. */
    static HostAgent start(Path sharedDir, Path socket, Path workDir) throws IOException {
        for (Path tool : List.of(RUNC, UNSHARE)) {
            if (!Files.isExecutable(tool)) {
                throw new IllegalStateException("the runtime's unit tier runs the agent with " + tool
                        + ": install runc and util-linux (packaging/scripts/install-deps.sh)");
            }
        }
        Path modules = Path.of(System.getProperty("kata.agent.modules", "../kata-agent/target/agent-modules"));
        if (!Files.isDirectory(modules)) {
            throw new IllegalStateException("no agent module path at " + modules.toAbsolutePath() + ": build "
                    + "kata-agent first (mvn -pl kata-runtime -am verify packages it)");
        }
        Files.createDirectories(workDir);
        String cgroupParent = "/kata-runtime-test-" + ProcessHandle.current().pid() + "-" + workDir.getFileName();
        Mounts.mount(sharedDir.toString(), sharedDir, "", Mounts.MS_BIND, null);
        Mounts.mount("none", sharedDir, "", Mounts.MS_SHARED, null);
        List<String> command = new ArrayList<>(List.of(UNSHARE.toString(), "--mount", "--propagation", "slave",
                "/bin/sh", "-c", GUEST_VIEW, "guest-view", GuestContract.GUEST_SHARED_DIR, sharedDir.toString(),
                System.getProperty("kata.agent.java", Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString())));
        Path options = Path.of(System.getProperty("kata.jvm.options", "../packaging/jvm"), "base.args");
        command.addAll(List.of("@" + options.toAbsolutePath(), "-p", modules.toString(),
                "-m", "io.katacontainers.agent/io.katacontainers.agent.Main",
                "--listen", "unix:" + socket, "--runtime", RUNC.toString(),
                "--state-dir", workDir.resolve("state").toString(), "--cgroup-parent", cgroupParent,
                "--runtime-timeout", "30"));
        Path log = workDir.resolve("agent.log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            return new HostAgent(process, sharedDir, log, cgroupParent);
        } catch (IOException | RuntimeException e) {
            Mounts.unmount(sharedDir, Mounts.MNT_DETACH);
            throw e;
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no agent log: " + e + ")";
        }
    }

    /**
     * Waits for the agent to end (DestroySandbox ends a host-mode agent), kills it when it does not, then undoes
     * the shared mount and removes the containers' cgroup parent.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            if (!process.waitFor(EXIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                System.err.println("the host agent did not end within " + EXIT_PATIENCE + ": killed\n" + log());
                process.destroyForcibly().waitFor();
            } else if (process.exitValue() != 0) {
                System.err.println("the host agent exited with " + process.exitValue() + ":\n" + log());
            }
        } finally {
            try {
                Mounts.unmount(sharedDir, Mounts.MNT_DETACH);
            } catch (SyscallException e) {
                System.err.println("cannot unmount " + sharedDir + ": " + e.getMessage());
            }
            removeCgroupParent();
        }
    }

    /** runc removes each container's cgroup, not the parent the agent was given: that goes once it is empty. */
    private void removeCgroupParent() throws IOException {
        String name = cgroupParent.substring(1);
        try (var hierarchies = Files.find(Path.of("/sys/fs/cgroup"), 2, (path, attributes) ->
                attributes.isDirectory() && path.getFileName().toString().equals(name))) {
            for (Path parent : hierarchies.toList()) {
                try {
                    Files.delete(parent);
                } catch (DirectoryNotEmptyException e) {
                    throw new IOException("cgroup " + parent + " still has containers after the agent ended", e);
                }
            }
        }
    }
}
