package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.virtiofs.VirtiofsCache;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuiltinTemplateTest {
    @TempDir
    Path dir;

    @Test
    void templatesNeedAnInitrdGuest() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "kernel");
        Path initrd = Files.writeString(dir.resolve("initrd"), "initrd");
        BuiltinDriver driver = new BuiltinDriver();
        assertEquals(Optional.empty(), driver.templateUnsupported(spec(kernel, Optional.of(initrd), 512)));
        assertTrue(driver.templateUnsupported(spec(kernel, Optional.empty(), 512)).orElseThrow().contains("initrd"));
        HypervisorException none = assertThrows(HypervisorException.class,
                () -> driver.createFromTemplate(spec(kernel, Optional.of(initrd), 512), dir));
        assertTrue(none.getMessage().contains("kata-runtime factory init"), none.getMessage());
    }

    @Test
    void theManifestRoundTripsAndADifferentVmIsRefusedNamingTheDifference() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "kernel");
        Path initrd = Files.writeString(dir.resolve("initrd"), "initrd");
        SnapshotIdentity host = new SnapshotIdentity("build 1", "6.1.0", "cpu", "guest");
        Map<String, String> made = BuiltinTemplate.identityOf(spec(kernel, Optional.of(initrd), 512), host);
        new BuiltinTemplate(BuiltinTemplate.FORMAT, made).write(dir);
        assertEquals(made, BuiltinTemplate.load(dir, made).identity());

        Map<String, String> bigger = BuiltinTemplate.identityOf(spec(kernel, Optional.of(initrd), 1024), host);
        HypervisorException refused = assertThrows(HypervisorException.class, () -> BuiltinTemplate.load(dir, bigger));
        assertTrue(refused.getMessage().contains("memory_mib: template 512, this VM 1024")
                && refused.getMessage().contains("kata-runtime factory destroy && kata-runtime factory init"),
                refused.getMessage());

        Map<String, String> otherBuild = new TreeMap<>(made);
        otherBuild.put("build", "build 2");
        assertTrue(assertThrows(HypervisorException.class, () -> BuiltinTemplate.load(dir, otherBuild)).getMessage()
                .contains("build: template build 1, this VM build 2"));
    }

    @Test
    void anotherFormatOrAMissingManifestIsRefused() throws Exception {
        HypervisorException missing = assertThrows(HypervisorException.class,
                () -> BuiltinTemplate.load(dir, Map.of()));
        assertTrue(missing.getMessage().contains("no " + BuiltinTemplate.MANIFEST), missing.getMessage());
        new BuiltinTemplate(BuiltinTemplate.FORMAT + 1, Map.of()).write(dir);
        HypervisorException format = assertThrows(HypervisorException.class,
                () -> BuiltinTemplate.load(dir, Map.of()));
        assertTrue(format.getMessage().contains("has format " + (BuiltinTemplate.FORMAT + 1)), format.getMessage());
        Files.writeString(dir.resolve(BuiltinTemplate.MANIFEST), "format=x\n");
        assertTrue(assertThrows(HypervisorException.class, () -> BuiltinTemplate.load(dir, Map.of())).getMessage()
                .contains("unreadable"));
    }

    private VmSpec spec(Path kernel, Optional<Path> initrd, long memoryMiB) {
        return new VmSpec("test", dir, Path.of("builtin"), "microvm", 1, memoryMiB, kernel, initrd, "",
                Path.of("/usr/lib/qemu/virtiofsd"), VirtiofsCache.AUTO, List.of(), false);
    }
}
