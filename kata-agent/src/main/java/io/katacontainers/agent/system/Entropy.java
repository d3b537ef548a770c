package io.katacontainers.agent.system;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * Kata's ReseedRandomDev: host random bytes mixed into the guest's pool and credited ({@code RNDADDENTROPY}, which
 * needs CAP_SYS_ADMIN), then the CRNG reseeded at once ({@code RNDRESEEDCRNG}). A VM cloned from a template
 * starts with its template's pool; without this, two clones would draw the same numbers.
 */
final class Entropy {
    /** {@code _IOW('R', 0x03, int[2])}: struct rand_pool_info { int entropy_count; int buf_size; u32 buf[]; }. */
    static final long RNDADDENTROPY = 0x40085203L;
    /** {@code _IO('R', 0x07)}. */
    static final long RNDRESEEDCRNG = 0x5207L;
    /** The most bytes one call credits; Kata's runtime sends 512. */
    static final int MAX_BYTES = 4096;

    private Entropy() {
    }

    static void reseed(Path device, byte[] data) throws SyscallException {
        if (data.length == 0 || data.length > MAX_BYTES) {
            throw new IllegalArgumentException("ReseedRandomDev takes 1 to " + MAX_BYTES + " bytes, not "
                    + data.length);
        }
        try (Arena arena = Arena.ofConfined(); Fd fd = Libc.open(device, Libc.O_WRONLY | Libc.O_CLOEXEC)) {
            MemorySegment info = arena.allocate(8L + data.length, 4);
            info.set(ValueLayout.JAVA_INT, 0, data.length * 8);
            info.set(ValueLayout.JAVA_INT, 4, data.length);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, info, 8, data.length);
            Libc.ioctl(fd.get(), RNDADDENTROPY, info, "RNDADDENTROPY");
            Libc.ioctl(fd.get(), RNDRESEEDCRNG, 0L, "RNDRESEEDCRNG");
        }
    }
}
