package io.katacontainers.packaging.guest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Boots the guest kernel with the test-init initrd under QEMU TCG (microvm, PVH vmlinux) and checks, from the serial
 * console, that /init ran, crun and the JRE work inside, and crun ran a container there. Reports the median time from
 * QEMU's start to the /init marker over {@code kata.guest.boots} boots (default 1). Besides {@link GuestImages}'
 * properties: {@code kata.guest.qemu} (default {@code qemu-system-x86_64}) and {@code kata.guest.tscKhz} (default:
 * the host's TSC frequency from /proc/cpuinfo; microvm guests need it on the command line, or some boots hang).
 */
class GuestBootTest {
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
    /** Boots in a row ({@code -Dkata.guest.boots}): one in the suite; the boot time's median is a benchmark's job. */
    private static final int BOOTS = Integer.getInteger("kata.guest.boots", 1);
    private static final String MARKER = "kata-test-init: booted";
    private static Path kernel;
    private static Path initrd;

    @BeforeAll
    static void locateImages() throws IOException {
        kernel = GuestImages.kernel();
        initrd = GuestImages.initrd();
        String conf = NewcArchive.read(initrd).get("etc/kata-init.conf").text();
        assertTrue(conf.contains("KATA_INIT_MODE=test"),
                initrd + " starts the agent; boot a test image: build-initrd.sh --test-init --out DIR");
    }

    @Test
    void testInitRunsCrunJavaAndAContainerInTheGuest() throws Exception {
        List<Long> markerMillis = new ArrayList<>();
        for (int boot = 1; boot <= BOOTS; boot++) {
            Console console = boot();
            String log = "boot " + boot + ", console:\n" + console;
            assertEquals(0, console.exitCode(), "QEMU exits when the guest reboots (-no-reboot): " + log);
            markerMillis.add(console.millisTo(MARKER).orElseGet(() -> fail("no /init marker: " + log)));
            assertTrue(console.has("kata-test-init: cgroup controllers: cpuset cpu io memory hugetlb pids rdma misc"),
                    "cgroup v2 with every controller delegated: " + log);
            assertTrue(console.matches("kata-test-init: crun: crun version \\d+\\.\\d+.*"), log);
            assertTrue(console.has("kata-test-init: crun exit=0"), log);
            assertTrue(console.matches("kata-test-init: java: openjdk version \"\\d+.*"), log);
            assertTrue(console.matches("kata-test-init: java: OpenJDK 64-Bit Server VM .*sharing\\)"),
                    "the JVM maps the CDS archive made at build time (mtimes kept through the initramfs): " + log);
            assertTrue(console.has("kata-test-init: java exit=0"), log);
            assertTrue(console.has("kata-test-init: container: hello from a container"), log);
            assertTrue(console.has("kata-test-init: container exit=0"), log);
            assertTrue(console.matches("kata-test-init: done uptime=.*"), log);
            assertTrue(console.lines().stream().noneMatch(l -> l.text().contains("Kernel panic")), log);
        }
        List<Long> sorted = markerMillis.stream().sorted().toList();
        System.out.printf("guest boot, QEMU start to /init marker (TCG, microvm, PVH vmlinux): median %d ms of %s%n",
                sorted.get(BOOTS / 2), markerMillis);
    }

    private Console boot() throws IOException, InterruptedException {
        List<String> argv = List.of(System.getProperty("kata.guest.qemu", "qemu-system-x86_64"),
                "-M", "microvm,acpi=off", "-accel", "tcg", "-cpu", "max", "-m", "256", "-smp", "1",
                "-nographic", "-no-reboot", "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                // reboot=t: without ACPI the test init's reboot -f must reset the CPU for -no-reboot to end QEMU.
                "-append", "console=ttyS0 reboot=t quiet tsc_early_khz=" + tscKhz() + " no_timer_check panic=-1");
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        List<Line> lines = new ArrayList<>();
        long start = System.nanoTime();
        Process qemu = builder.start();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
                for (String text; (text = in.readLine()) != null; ) {
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    synchronized (lines) {
                        lines.add(new Line(millis, text.strip()));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            if (!qemu.waitFor(BOOT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                qemu.destroyForcibly().waitFor();
                reader.join();
                fail("the guest did not finish within " + BOOT_TIMEOUT + ", console:\n" + new Console(-1, lines));
            }
            reader.join();
            return new Console(qemu.exitValue(), List.copyOf(lines));
        } finally {
            qemu.destroyForcibly();
        }
    }

    private static long tscKhz() throws IOException {
        String configured = System.getProperty("kata.guest.tscKhz");
        if (configured != null) {
            return Long.parseLong(configured);
        }
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("cpu MHz"))
                .map(l -> Math.round(Double.parseDouble(l.substring(l.indexOf(':') + 1).strip()) * 1000))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no 'cpu MHz' in /proc/cpuinfo: set -Dkata.guest.tscKhz"));
    }

    private record Line(long millis, String text) {
    }

    private record Console(int exitCode, List<Line> lines) {
        boolean has(String text) {
            return lines.stream().anyMatch(l -> l.text().equals(text));
        }

        boolean matches(String regex) {
            Pattern pattern = Pattern.compile(regex);
            return lines.stream().anyMatch(l -> pattern.matcher(l.text()).matches());
        }

        Optional<Long> millisTo(String prefix) {
            return lines.stream().filter(l -> l.text().startsWith(prefix)).map(Line::millis).findFirst();
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder();
            lines.forEach(l -> text.append(String.format("%7d ms  %s%n", l.millis(), l.text())));
            return text.append("(exit ").append(exitCode).append(')').toString();
        }
    }
}
