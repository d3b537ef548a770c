package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tun/tap ioctl numbers and flags against linux/if_tun.h, and what the calls do on something that is not a tap
 * (the taps themselves are exercised in network namespaces by the built-in VMM's virtio-net tests).
 */
class TunTapTest {
    @TempDir
    Path dir;

    @Test
    void numbersMatchTheKernelHeaders() throws Exception {
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("TUNSETIFF", TunTap.TUNSETIFF);
        constants.put("TUNGETIFF", TunTap.TUNGETIFF);
        constants.put("TUNSETOFFLOAD", TunTap.TUNSETOFFLOAD);
        constants.put("TUNGETVNETHDRSZ", TunTap.TUNGETVNETHDRSZ);
        constants.put("TUNSETVNETHDRSZ", TunTap.TUNSETVNETHDRSZ);
        constants.put("IFF_TAP", (long) TunTap.IFF_TAP);
        constants.put("IFF_NO_PI", (long) TunTap.IFF_NO_PI);
        constants.put("IFF_VNET_HDR", (long) TunTap.IFF_VNET_HDR);
        constants.put("TUN_F_CSUM", (long) TunTap.TUN_F_CSUM);
        constants.put("TUN_F_TSO4", (long) TunTap.TUN_F_TSO4);
        constants.put("TUN_F_TSO6", (long) TunTap.TUN_F_TSO6);
        constants.put("sizeof(struct ifreq)", (long) TunTap.IFREQ_SIZE);
        constants.put("offsetof(struct ifreq, ifr_flags)", (long) TunTap.IFNAMSIZ);
        CProbe probe = new CProbe().include("stddef.h").include("sys/ioctl.h").include("net/if.h")
                .include("linux/if_tun.h");
        Map<String, String> expected = new LinkedHashMap<>();
        constants.forEach((name, value) -> {
            probe.number(name, name);
            expected.put(name, Long.toString(value));
        });
        assertEquals(expected, probe.run(dir));
    }

    @Test
    void aPipeIsNoTapAndADuplicateIsAnotherDescriptorOfTheSameFile() throws Exception {
        try (Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC)) {
            SyscallException e = assertThrows(SyscallException.class, () -> TunTap.flags(pipe.read().get()));
            assertTrue(e.getMessage().contains("TUNGETIFF"), e.getMessage());
            try (Fd copy = TunTap.duplicate(pipe.write().get())) {
                assertTrue(copy.get() != pipe.write().get());
                Libc.write(copy.get(), Arena.ofAuto().allocateFrom("x"));
                assertEquals(2, Libc.read(pipe.read().get(), Arena.ofAuto().allocate(8)));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> TunTap.open("a-name-that-is-too-long", TunTap.IFF_TAP));
    }

    @Test
    void frameIoSaysWouldBlockInsteadOfThrowingAndReportsOtherErrors() throws Exception {
        try (Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC | Libc.O_NONBLOCK);
             TunTap.FrameIo io = new TunTap.FrameIo(); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(16);
            assertEquals(TunTap.FrameIo.WOULD_BLOCK, io.read(pipe.read().get(), buffer), "empty");
            assertEquals(5, io.write(pipe.write().get(), arena.allocateFrom("fram")));
            assertEquals(5, io.read(pipe.read().get(), buffer));
            assertEquals("fram", buffer.getString(0));
            SyscallException e = assertThrows(SyscallException.class, () -> io.read(pipe.write().get(), buffer));
            assertTrue(e.is(Errno.EBADF), e.getMessage());
        }
    }
}
