package io.katacontainers.runtime.cgroup;

import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** On this host's real cgroups (root): a child process joins the sandbox's cgroup, the teardown removes it. */
class SandboxCgroupTest {
    private static final String POD = "kata-cgtest-" + ProcessHandle.current().pid();
    @TempDir
    Path runDir;
    private Process child;

    @AfterEach
    void cleanUp() throws Exception {
        if (child != null) {
            child.destroyForcibly().waitFor();
        }
        for (CgroupMounts.Hierarchy hierarchy : CgroupMounts.live()) {
            Path pod = hierarchy.mountPoint().resolve(POD);
            if (Files.isDirectory(pod)) {
                try (var dirs = Files.walk(pod)) {
                    for (Path dir : dirs.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (Files.isDirectory(dir)) {
                            Files.delete(dir);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aProcessJoinsTheSandboxCgroupInEveryHierarchyAndTheTeardownRemovesOnlyWhatWasMade() throws Exception {
        List<CgroupMounts.Hierarchy> hierarchies = CgroupMounts.live();
        // The pod's cgroup exists (kubelet's), in the first hierarchy only: the others are made and removed.
        Path kubelets = Files.createDirectory(hierarchies.getFirst().mountPoint().resolve(POD));
        child = new ProcessBuilder("sleep", "1000").start();
        ResourceLedger ledger = ResourceLedger.of(runDir);
        CgroupsPath path = CgroupsPath.of("/" + POD + "/sandbox1");
        SandboxCgroup cgroup = SandboxCgroup.join(ledger, hierarchies, path, child.pid());

        assertEquals(hierarchies.size(), cgroup.dirs().size());
        for (Path dir : cgroup.dirs()) {
            assertEquals(List.of(child.pid()), Resource.HostCgroup.pids(dir), dir.toString());
        }
        String own = Files.readString(Path.of("/proc", Long.toString(child.pid()), "cgroup"));
        assertTrue(own.contains("/" + POD + "/kata_sandbox1"), own);
        long made = ledger.attached().stream().filter(Resource.HostCgroup.class::isInstance).count();
        assertEquals(2L * hierarchies.size() - 1, made, "the pod's cgroup is recorded where it was made, only");

        // After a crash the cleanup reads the ledger back; the process still in the cgroup goes to the parent.
        ResourceLedger.of(runDir).detachAll();
        for (Path dir : cgroup.dirs()) {
            assertFalse(Files.exists(dir), dir + " is removed");
        }
        assertTrue(Files.isDirectory(kubelets), "kubelet's pod cgroup stays");
        assertEquals(List.of(child.pid()), Resource.HostCgroup.pids(kubelets), "moved to the parent, as Kata");
        for (CgroupMounts.Hierarchy hierarchy : hierarchies.subList(1, hierarchies.size())) {
            assertFalse(Files.exists(hierarchy.mountPoint().resolve(POD)), "what the runtime made goes");
        }
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
