package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.ffm.kvm.KvmSystem;
import io.katacontainers.hypervisor.kvm.tool.TinyPvhImage;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in VMM with a shared directory: the real virtiofsd starts with the VM and goes with it. */
class BuiltinVirtiofsTest {
    @TempDir
    Path dir;
    private Path shared;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(KvmSystem.DEFAULT_DEVICE), "no /dev/kvm on this host");
        shared = Files.createDirectories(dir.resolve("shared"));
    }

    @Test
    void virtiofsdRunsWhileTheVmDoesWithTheConfiguredCacheAndIsReapedWithIt() throws Exception {
        Path kernel = new TinyPvhImage().spinCounting(TinyPvhImage.DATA_ADDRESS).write(dir.resolve("k"));
        Path run = Files.createDirectories(dir.resolve("run"));
        try (Hypervisor vm = new BuiltinDriver().create(spec(kernel, run, VirtiofsCache.ALWAYS, List.of()))) {
            vm.addDevice(new Device.SharedFs("kataShared", shared));
            vm.start(Duration.ofSeconds(30));
            List<Long> virtiofsd = processesNaming(run);
            assertEquals(1, virtiofsd.size(), "one virtiofsd for the shared directory");
            String arguments = commandLine(Path.of("/proc", virtiofsd.getFirst().toString()));
            assertTrue(arguments.contains("\0cache=always\0"), arguments);
            assertTrue(Files.exists(run.resolve("virtiofsd.sock")));
            vm.stop(Duration.ofSeconds(10));
        }
        assertEquals(List.of(), processesNaming(run), "virtiofsd is reaped with the VM");
        assertFalse(Files.exists(run.resolve("virtiofsd.sock")), "its socket is removed");
    }

    @Test
    void aVirtiofsdThatCannotStartFailsTheVmWithItsComplaintAndLeavesNothing() throws Exception {
        Path kernel = new TinyPvhImage().spinCounting(TinyPvhImage.DATA_ADDRESS).write(dir.resolve("k"));
        Path run = Files.createDirectories(dir.resolve("run"));
        try (Hypervisor vm = new BuiltinDriver().create(spec(kernel, run, VirtiofsCache.AUTO,
                List.of("--no-such-option")))) {
            vm.addDevice(new Device.SharedFs("kataShared", shared));
            HypervisorException e = assertThrows(HypervisorException.class, () -> vm.start(Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("virtiofsd (pid "), e.getMessage());
            assertTrue(e.getMessage().contains("no-such-option"), "virtiofsd's own complaint: " + e.getMessage());
        }
        assertEquals(List.of(), processesNaming(run));
        assertFalse(Files.exists(run.resolve("virtiofsd.sock")));
    }

    private VmSpec spec(Path kernel, Path runDir, VirtiofsCache cache, List<String> virtiofsdArgs) {
        return new VmSpec("fs-test", runDir, Path.of("builtin"), "microvm", 1, 64, kernel, Optional.empty(), "",
                Path.of("/usr/lib/qemu/virtiofsd"), cache, virtiofsdArgs, false);
    }

    /** Live processes (not zombies) whose command line mentions {@code path}. */
    private static List<Long> processesNaming(Path path) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> commandLine(p).contains(path.toString()) && !zombie(p))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .toList();
        }
    }

    private static String commandLine(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The process ended while the list was read (ENOENT or ESRCH).
            return "";
        }
    }

    private static boolean zombie(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
        } catch (IOException e) {
            // Gone since its command line was read: as good as reaped.
            return true;
        }
    }
}
