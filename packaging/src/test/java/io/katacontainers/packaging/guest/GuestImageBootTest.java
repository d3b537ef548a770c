package io.katacontainers.packaging.guest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Boots the test-init root image ({@code kata-containers.img}) the way the QEMU driver does (q35, the image a
 * read-only shared virtio-pmem device, {@code root=/dev/pmem0 rootflags=dax ro init=/init}, no initrd) and checks
 * from the console: the root is the DAX-mounted ext4, read-only; the guest sees both vCPUs (ACPI); crun, the JRE
 * with its CDS archive and a container work from it. A corrupt image ends the VM with the kernel's reason on the
 * console.
 */
class GuestImageBootTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static Path kernel;
    private static Path image;

    @BeforeAll
    static void locateImages() {
        kernel = GuestImages.kernel();
        image = GuestImages.rootImage();
    }

    @Test
    void theTestInitRunsFromTheDaxRootImage(@TempDir Path dir) throws Exception {
        String console = boot(image, dir.resolve("console.log"));
        assertTrue(console.contains("kata-test-init: booted"), "no /init marker:\n" + console);
        assertTrue(console.lines().anyMatch(l -> l.matches("kata-test-init: root: /dev/root / ext4 ro,.*dax.*")),
                "the root is the image, mounted read-only with dax:\n" + console);
        assertTrue(console.contains("kata-test-init: cpus: 2"), "q35 with ACPI: the guest sees -smp 2:\n" + console);
        assertTrue(console.lines().anyMatch(l -> l.matches("kata-test-init: root-write: .*Read-only file system")),
                "the root cannot be written:\n" + console);
        assertTrue(console.lines().anyMatch(l -> l.matches("kata-test-init: root-write exit=[1-9].*")), console);
        assertTrue(console.lines().anyMatch(
                l -> l.matches("kata-test-init: java: OpenJDK 64-Bit Server VM .*sharing\\)")),
                "the JVM maps its CDS archive from the image (mtimes kept by mkfs.ext4 -d):\n" + console);
        assertTrue(console.contains("kata-test-init: container: hello from a container"), console);
        assertTrue(console.contains("kata-test-init: done uptime="), console);
    }

    @Test
    void aCorruptImageEndsTheBootWithTheReason(@TempDir Path dir) throws Exception {
        Path corrupt = dir.resolve("corrupt.img");
        Files.copy(image, corrupt);
        try (RandomAccessFile file = new RandomAccessFile(corrupt.toFile(), "rw")) {
            file.seek(1024 + 0x38); // the ext4 superblock's magic (0xef53)
            file.write(new byte[] {0, 0});
        }
        String console = boot(corrupt, dir.resolve("console.log"));
        assertTrue(console.contains("VFS: Unable to mount root fs"), "the kernel says why:\n" + console);
        assertTrue(!console.contains("kata-test-init: booted"), console);
    }

    private static String boot(Path rootImage, Path consoleLog) throws IOException, InterruptedException {
        long size = Files.size(rootImage);
        List<String> argv = new ArrayList<>(List.of(System.getProperty("kata.guest.qemu", "qemu-system-x86_64"),
                "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-smp", "2",
                "-m", "256M,slots=1,maxmem=" + (256 + (size >> 20) + 1) + "M",
                "-nographic", "-nodefaults", "-no-reboot",
                "-chardev", "file,id=console,path=" + consoleLog, "-serial", "chardev:console",
                "-object", "memory-backend-file,id=rootimg,mem-path=" + rootImage + ",size=" + size
                        + ",share=on,readonly=on",
                "-device", "virtio-pmem-pci,id=pmem0,memdev=rootimg",
                "-kernel", kernel.toString(),
                "-append", "console=ttyS0 quiet no_timer_check reboot=k panic=-1 root=/dev/pmem0 rootfstype=ext4 "
                        + "rootflags=dax ro init=/init"));
        Process qemu = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(consoleLog.resolveSibling("qemu.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        try {
            if (!qemu.waitFor(BOOT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("the guest did not end within " + BOOT_TIMEOUT + ", console:\n" + read(consoleLog));
            }
            assertEquals(0, qemu.exitValue(), "QEMU exits when the guest reboots or panics (-no-reboot): "
                    + read(consoleLog.resolveSibling("qemu.out")) + read(consoleLog));
            return read(consoleLog);
        } finally {
            qemu.destroyForcibly().waitFor();
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
