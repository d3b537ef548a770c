package io.katacontainers.ffm.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An owned mmap(2) region. The segment handed out is bound to a shared arena that is closed before munmap, so any
 * access after {@link #close()} fails with an exception instead of touching unmapped (or re-used) memory. Shared,
 * because guest memory and kvm_run are touched by vCPU threads and device threads alike.
 */
public final class Mapping implements AutoCloseable {
    private final MemorySegment raw;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();

    Mapping(MemorySegment raw) {
        this.raw = raw;
        this.segment = raw.reinterpret(arena, null);
    }

    /** The mapped memory; invalid once this mapping is closed. */
    public MemorySegment segment() {
        return segment;
    }

    /** The host virtual address of the mapping (e.g. for kvm_userspace_memory_region.userspace_addr). */
    public long address() {
        return raw.address();
    }

    public long length() {
        return raw.byteSize();
    }

    /** Invalidates the segment, then unmaps. Closing twice is a no-op. */
    @Override
    public void close() throws SyscallException {
        if (closed.compareAndSet(false, true)) {
            arena.close();
            Libc.munmap(raw);
        }
    }
}
