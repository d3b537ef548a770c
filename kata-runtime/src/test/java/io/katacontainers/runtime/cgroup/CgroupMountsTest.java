package io.katacontainers.runtime.cgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupMountsTest {
    @Test
    void aHybridHostHasEachV1HierarchyOnceAndTheUnifiedOne() {
        String mountinfo = """
                30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
                33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children
                39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
                40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
                41 22 0:28 / /mnt/cpu\\040again rw,relatime - cgroup cgroup rw,cpu,cpuacct
                42 22 0:30 /kubepods /var/lib/view rw,relatime - cgroup cgroup rw,cpuset
                """;
        List<CgroupMounts.Hierarchy> found = CgroupMounts.parse(mountinfo);
        assertEquals(List.of(
                new CgroupMounts.Hierarchy(Path.of("/sys/fs/cgroup/cpu,cpuacct"), false, Set.of("cpu", "cpuacct")),
                new CgroupMounts.Hierarchy(Path.of("/sys/fs/cgroup/cpuset"), false, Set.of("cpuset")),
                new CgroupMounts.Hierarchy(Path.of("/sys/fs/cgroup/systemd"), false, Set.of("name=systemd")),
                new CgroupMounts.Hierarchy(Path.of("/sys/fs/cgroup/unified"), true, Set.of())), found);
        assertTrue(found.get(1).cpusetV1());
        assertFalse(found.get(0).cpusetV1());
    }

    @Test
    void aPureV2HostHasOneHierarchy() {
        assertEquals(List.of(new CgroupMounts.Hierarchy(Path.of("/sys/fs/cgroup"), true, Set.of())),
                CgroupMounts.parse("25 21 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"));
    }

    @Test
    void thisHostsHierarchiesAreFound() throws Exception {
        assertFalse(CgroupMounts.live().isEmpty(), "cgroups are mounted on the test machine");
    }
}
