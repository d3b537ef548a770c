package io.katacontainers.hypervisor.kvm.devices.virtio.net;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates and removes ({@code ip netns add/del}, named after the helper and the pid so
 * parallel runs do not collide), with work done inside it on a thread of its own that joins it with setns(2) and
 * ends after the work: a tap or a socket made there stays in the namespace. Also a SOCK_SEQPACKET socket pair, the
 * stand-in for a tap where message boundaries are all that matters.
 */
public final class TestNetns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int AF_UNIX = 1;
    private static final int SOCK_SEQPACKET = 5;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = downcall("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    private final String name;

    private TestNetns(String name) {
        this.name = name;
    }

    /** Creates {@code vnet-<suffix>-<pid>} with its loopback up. */
    public static TestNetns create(String suffix) throws IOException, InterruptedException {
        String name = "vnet-" + suffix + "-" + ProcessHandle.current().pid();
        run("ip", "netns", "del", name).waitFor(); // a namespace a killed run of this pid left
        TestNetns netns = new TestNetns(name);
        netns.ip("netns", "add", name);
        netns.exec("ip", "link", "set", "lo", "up");
        return netns;
    }

    public String name() {
        return name;
    }

    /** Runs {@code ip args...} in the host namespace; fails with its output when it fails. */
    public void ip(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        check(argv);
    }

    /** Runs {@code command} inside the namespace ({@code ip netns exec}) and returns its output. */
    public String exec(String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", name));
        argv.addAll(List.of(command));
        return check(argv);
    }

    /** Runs {@code work} on a new thread inside the namespace. */
    public <T> T inside(Callable<T> work) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread.ofPlatform().name("netns-" + name).start(() -> {
            try (Fd ns = Libc.open(Path.of("/run/netns", name), Libc.O_RDONLY | Libc.O_CLOEXEC)) {
                int rc = (int) SETNS.invokeExact(ns.get(), CLONE_NEWNET);
                if (rc != 0) {
                    throw new IOException("setns into " + name + " failed");
                }
                result.complete(work.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** A connected SOCK_SEQPACKET pair: one frame per write and per read. */
    public static Fd[] seqpacketPair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) SOCKETPAIR.invokeExact(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
            if (rc != 0) {
                throw new IllegalStateException("socketpair(AF_UNIX, SOCK_SEQPACKET) failed");
            }
            return new Fd[] {Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1))};
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        ip("netns", "del", name);
    }

    private static Process run(String... argv) throws IOException {
        return new ProcessBuilder(argv).redirectErrorStream(true).start();
    }

    private static String check(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(argv + " did not end within 30 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(argv + " failed with exit code " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    private static MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(symbol).orElseThrow(), descriptor);
    }
}
