package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.api.process.ChildProcess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Boots our guest kernel (built by packaging into /var/cache/kata-java/kernel/&lt;hash&gt;/vmlinux, or
 * {@code KATA_TEST_KERNEL}) with a busybox initrd whose /init talks over the agent's virtio-serial port:
 * a marker, a file read through virtio-fs, an echo, then {@code reboot -f}, which must end QEMU. microvm
 * boots the PVH vmlinux, q35 the bzImage beside it.
 */
class GuestKernelTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String READY = "KATA-GUEST-READY";
    private static final String INIT = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            export PATH=/bin
            mkdir -p /proc /sys /dev
            mount -t proc proc /proc
            mount -t sysfs sysfs /sys
            mount -t devtmpfs devtmpfs /dev 2>/dev/null
            port=
            for p in /sys/class/virtio-ports/*; do
              [ "$(cat $p/name)" = agent.channel.0 ] && port=/dev/${p##*/}
            done
            echo "init: agent port $port"
            # Keep the port open: the host's writes are dropped while no guest process holds it.
            exec 3<>$port
            echo %s >&3
            mkdir -p /mnt
            mount -t virtiofs kataShared /mnt && echo "fs:$(cat /mnt/hello.txt)" >&3 || echo "fs:mount failed" >&3
            while read -r line <&3; do
              [ "$line" = reboot ] && break
              echo "echo:$line" >&3
            done
            reboot -f
            """.formatted(READY);

    @TempDir
    Path dir;

    /** The directory holding vmlinux and bzImage. */
    private static Optional<Path> guestKernelDir() throws IOException {
        String configured = System.getenv("KATA_TEST_KERNEL");
        if (configured != null && !configured.isEmpty()) {
            return Optional.of(Path.of(configured).getParent());
        }
        Path cache = Path.of("/var/cache/kata-java/kernel");
        if (!Files.isDirectory(cache)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(cache)) {
            return entries.filter(entry -> Files.isRegularFile(entry.resolve("vmlinux")))
                    .max(Comparator.comparing(entry -> modified(entry.resolve("vmlinux"))));
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path initrd() throws IOException {
        return new Initramfs().directory("bin").directory("dev").charDevice("dev/console", 5, 1)
                .file("bin/busybox", 0755, Files.readAllBytes(BUSYBOX))
                .file("init", 0755, INIT.getBytes(StandardCharsets.US_ASCII))
                .write(dir.resolve("initrd.cpio"));
    }

    /**
     * @param machine the configured machine
     * @param image the kernel file
     * @param share whether the VM shares a directory; without KVM that moves a microvm to q35
     */
    @ParameterizedTest
    @CsvSource({"microvm, vmlinux, false", "q35, bzImage, true", "microvm, vmlinux, true"})
    void bootsToTheAgentPortSharesFilesEchoesAndRebootEndsQemu(String machine, String image, boolean share)
            throws Exception {
        Optional<Path> kernelDir = guestKernelDir();
        assumeTrue(kernelDir.isPresent(), "no guest kernel built yet under /var/cache/kata-java/kernel");
        assumeTrue(Files.isExecutable(BUSYBOX), "busybox-static is not installed");
        Path kernel = kernelDir.get().resolve(image);
        assumeTrue(Files.isReadable(kernel), kernel + " is missing");
        VmSpec spec = TestVms.withInitrd(TestVms.spec("guest-" + machine, dir.resolve("run"), machine, kernel),
                initrd(), "");
        Optional<Path> sharedDir = Optional.empty();
        if (share) {
            Path shared = Files.createDirectories(dir.resolve("shared"));
            Files.writeString(shared.resolve("hello.txt"), "shared from the host");
            sharedDir = Optional.of(shared);
        }

        try (QemuHypervisor vm = TestVms.vm(new QemuDriver(), spec, sharedDir)) {
            long begin = System.nanoTime();
            vm.start(Duration.ofSeconds(30));
            long started = System.nanoTime();
            AgentEndpoint.VirtioSerial agent = assertInstanceOf(AgentEndpoint.VirtioSerial.class, vm.agentEndpoint());
            try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(agent.socket()))) {
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
                        StandardCharsets.UTF_8));
                OutputStream out = Channels.newOutputStream(channel);

                assertEquals(READY, readLine(in, vm));
                long marker = System.nanoTime();
                System.out.printf("%s (%s) %s: start() %d ms, boot to marker %d ms%n", machine,
                        vm.commandLine().machine().configName(), kernel,
                        TimeUnit.NANOSECONDS.toMillis(started - begin), TimeUnit.NANOSECONDS.toMillis(marker - begin));
                assertEquals(share ? "fs:shared from the host" : "fs:mount failed", readLine(in, vm));

                out.write("hello over virtio-serial\n".getBytes(StandardCharsets.UTF_8));
                assertEquals("echo:hello over virtio-serial", readLine(in, vm));
                out.write("reboot\n".getBytes(StandardCharsets.UTF_8));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (vm.state() != VmState.STOPPED) {
                assertTrue(System.nanoTime() < end, () -> "QEMU still runs after reboot -f:\n" + vm.consoleTail());
                Thread.sleep(20);
            }
            assertTrue(vm.consoleTail().contains("init: agent port /dev/vport"), vm::consoleTail);
            vm.close();
            assertFalse(vm.qmpCommandCounts().containsKey("quit"), "QEMU exited by itself");
            for (ChildProcess child : vm.children()) {
                assertFalse(child.isAlive());
            }
        }
    }

    /** A line from the guest, or a failure quoting its console; readLine itself has no timeout. */
    private static String readLine(BufferedReader in, QemuHypervisor vm) throws Exception {
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            return line.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no line from the guest in 60 s; console:\n" + vm.consoleTail(), e);
        }
    }
}
