package io.katacontainers.packaging.nested;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.api.Test;

/**
 * The built-in VMM boots the guest kernel with the test-init initrd on a real KVM: inside the nested KVM harness,
 * the built tree's JRE runs {@code kata-vmm boot} from the built tree's modules. The console must reach /init, where
 * crun, Java and a container run, and the guest's reboot (i8042 reset) must end the VM cleanly: no VMM failure, no
 * run directory left. One harness run, about a minute and a half under TCG.
 */
@Order(7)
@Isolated
class BuiltinVmmNestedBootTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Duration TIMEOUT = Duration.ofSeconds(600);

    @Test
    void guestKernelReachesInitAndItsRebootStopsTheVmCleanly() throws Exception {
        NestedKvm.requireHarness();
        Path kernel = DIST.resolve("share/kata-containers/vmlinux.container");
        Path initrd = Path.of(System.getProperty("kata.guest.initrd", "target/guest-test/kata-containers-initrd.img"))
                .toAbsolutePath();
        assertTrue(Files.isRegularFile(kernel) && Files.isRegularFile(initrd),
                kernel + " and " + initrd + " must exist: run 'make build' (the test initrd is packaging's)");
        Path lib = DIST.resolve("lib/kata-java");
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                status=0
                %s @%s -p %s \\
                  -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool \\
                  boot --kernel %s --initrd %s --memory 512 --timeout 480 --json || status=$?
                echo "vmm_exit=$status"
                echo "vmm_run_dirs=$(find /tmp -maxdepth 1 -name 'kata-vmm-*' | wc -l)"
                """.formatted(NestedKvm.quote(lib.resolve("jre/bin/java").toString()),
                NestedKvm.quote(lib.resolve("jvm.args").toString()),
                NestedKvm.quote(lib.resolve("modules").toString()), NestedKvm.quote(kernel.toString()),
                NestedKvm.quote(initrd.toString()));
        Command run = NestedKvm.run(TIMEOUT, script);
        Map<String, String> values = NestedKvm.values(run.stdout());
        String console = run.stderr();
        String report = run.toString();

        assertEquals(0, run.exitCode(), report);
        assertEquals("0", values.get("vmm_exit"), "the guest ended by itself: " + report);
        assertTrue(run.stdout().contains("\"reached\":true,\"state\":\"STOPPED\""), report);
        assertEquals("0", values.get("vmm_run_dirs"), "kata-vmm removed its run directory: " + report);
        Matcher booted = Pattern.compile("kata-test-init: booted uptime=([0-9.]+)").matcher(console);
        assertTrue(booted.find(), "the console reached /init: " + report);
        assertTrue(console.contains("kata-test-init: java exit=0"), "Java runs in the guest: " + report);
        assertTrue(console.contains("kata-test-init: container: hello from a container"), report);
        assertTrue(console.contains("kata-test-init: done"), report);
        assertTrue(console.contains("reboot: Restarting system"), "the guest rebooted: " + report);
        assertTrue(console.contains("guest reset through the i8042 controller"), "the VMM saw the reset: " + report);
        assertFalse(console.contains("Kernel panic") || console.contains("failed:"), report);
        NestedKvm.assertNothingLeft(Path.of(values.get("harness_dir")));
        System.out.printf("built-in VMM, nested KVM: guest uptime at /init %s s%n", booted.group(1));
    }
}
