package io.katacontainers.runtime.cgroup;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CgroupsPathTest {
    @Test
    void cgroupfsPathsKeepThePodsCgroupAndPrefixTheSandboxsOwnAsKata() {
        assertEquals(new CgroupsPath("kubepods/besteffort/pod1/kata_abc", false),
                CgroupsPath.of("/kubepods/besteffort/pod1/abc"));
        assertEquals("kubepods/pod1/kata_abc", CgroupsPath.of("//kubepods/./pod1//abc/").relative());
        assertEquals("vc/pods/kata_abc", CgroupsPath.of("pods/abc").relative(), "relative: under /vc, as Kata");
        assertEquals("kata_vc", CgroupsPath.of("/").relative());
    }

    @Test
    void systemdPathsAreTheScopeInTheExpandedSlice() {
        CgroupsPath path = CgroupsPath.of("kubepods-besteffort-pod1.slice:cri-containerd:abc");
        assertTrue(path.systemd());
        assertEquals("kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
                + "cri-containerd-abc.scope", path.relative());
        assertEquals("system.slice/docker-abc.scope", CgroupsPath.of("system.slice:docker:abc").relative());
        assertEquals("crio-abc.scope", CgroupsPath.of("-.slice:crio:abc").relative());
        assertEquals("kata_cri_1.slice/abc.scope", CgroupsPath.of("kata_cri_1.slice::abc").relative());
        assertEquals("a.slice/a-b.slice", CgroupsPath.of("a.slice:x:a-b.slice").relative(), "a slice as the name");
    }

    @Test
    void malformedPathsAreRefusedSayingWhy() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of("/pods/../../etc"))
                .getMessage().contains(".."));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of("system:docker:abc"))
                .getMessage().contains("slice:prefix:name"));
        assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of("a--b.slice:p:abc"));
        assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of("a.slice:p:"));
        assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of("a.slice:p:x/y"));
        assertThrows(IllegalArgumentException.class, () -> CgroupsPath.of(""));
    }
}
