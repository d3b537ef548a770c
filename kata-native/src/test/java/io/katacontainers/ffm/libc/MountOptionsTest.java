package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    @Test
    void flagNamesBecomeBitsAndTheRestIsFilesystemData() {
        var options = MountOptions.parse(List.of("ro", "nosuid", "size=64m", "rbind", "mode=0755"));
        assertEquals(Mounts.MS_RDONLY | Mounts.MS_NOSUID | Mounts.MS_BIND | Mounts.MS_REC, options.flags());
        assertEquals("size=64m,mode=0755", options.data());
    }

    @Test
    void laterOptionsClearEarlierOnes() {
        assertEquals(0, MountOptions.parse(List.of("ro", "rw")).flags());
        assertEquals(Mounts.MS_NODEV, MountOptions.parse(List.of("defaults", "nodev")).flags());
    }

    @Test
    void optionsThatOnlyClearAFlagNeverReachTheFilesystemData() {
        var options = MountOptions.parse(List.of("rw", "suid", "dev", "exec", "async", "atime", "diratime",
                "defaults"));
        assertEquals(MountOptions.NONE, options);
    }

    @Test
    void propagationOptionsAreFlagsAndEmptyOptionsAreDropped() {
        var options = MountOptions.parse(List.of("rprivate", "", "lowerdir=/a:/b"));
        assertEquals(Mounts.MS_PRIVATE | Mounts.MS_REC, options.flags());
        assertEquals("lowerdir=/a:/b", options.data());
    }
}
