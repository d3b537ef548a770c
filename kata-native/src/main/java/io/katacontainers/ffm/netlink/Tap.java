package io.katacontainers.ffm.netlink;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Tap devices from {@code /dev/net/tun}. The device lives in the network namespace of the thread that opens it,
 * and disappears with its last descriptor unless made persistent.
 */
public final class Tap {
    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    /** What a virtio-net backend wants: ethernet frames, no packet info, a virtio_net_hdr before each frame. */
    public static final int VIRTIO_NET_FLAGS = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    static final long TUNSETIFF = 0x400454caL;
    static final long TUNSETPERSIST = 0x400454cbL;
    private static final Path TUN = Path.of("/dev/net/tun");
    private static final int IFNAMSIZ = 16;

    private Tap() {
    }

    /** Creates (or attaches to) tap {@code name} with {@code flags}; the returned descriptor is its queue. */
    public static Fd open(String name, int flags) throws SyscallException {
        byte[] raw = name.getBytes(StandardCharsets.US_ASCII);
        if (raw.length >= IFNAMSIZ || raw.length == 0) {
            throw new IllegalArgumentException("a tap name has 1 to 15 characters: '" + name + "'");
        }
        Fd tun = Libc.open(TUN, Libc.O_RDWR | Libc.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(40);
            MemorySegment.copy(raw, 0, ifreq, ValueLayout.JAVA_BYTE, 0, raw.length);
            ifreq.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) flags);
            Libc.ioctl(tun.get(), TUNSETIFF, ifreq, "TUNSETIFF(" + name + ")");
            return tun;
        } catch (SyscallException | RuntimeException e) {
            try {
                tun.close();
            } catch (SyscallException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Keeps the device after its last descriptor closes (or not). */
    public static void setPersistent(Fd tap, boolean persistent) throws SyscallException {
        Libc.ioctl(tap.get(), TUNSETPERSIST, persistent ? 1 : 0, "TUNSETPERSIST");
    }
}
