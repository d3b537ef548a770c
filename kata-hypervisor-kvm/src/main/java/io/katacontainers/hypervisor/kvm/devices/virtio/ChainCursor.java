package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A position in one direction of a descriptor chain, as if its buffers were one byte stream. Devices copy headers
 * through {@link #read}/{@link #write} and move bulk data zero-copy through the guest-memory slices of
 * {@link #next}. The buffers were bounds-checked when the chain was parsed, so nothing here can leave guest RAM.
 */
public final class ChainCursor {
    private final GuestMemory memory;
    private final List<Descriptor> buffers;
    private int buffer;
    private long offset;
    private long remaining;
    private long consumed;

    ChainCursor(GuestMemory memory, List<Descriptor> buffers) {
        this.memory = memory;
        this.buffers = buffers;
        for (Descriptor d : buffers) {
            remaining += d.length();
        }
    }

    /** Bytes left from here to the end of the chain's buffers in this direction. */
    public long remaining() {
        return remaining;
    }

    /** Bytes moved past so far. */
    public long consumed() {
        return consumed;
    }

    /**
     * The guest memory of the next at most {@code max} bytes, within one buffer, and moves past them; an empty
     * segment at the end. Reading from or writing to the segment is the device's access to those bytes.
     */
    public MemorySegment next(long max) {
        while (buffer < buffers.size() && offset == buffers.get(buffer).length()) {
            buffer++;
            offset = 0;
        }
        if (buffer == buffers.size() || max <= 0) {
            return MemorySegment.NULL;
        }
        Descriptor d = buffers.get(buffer);
        long n = Math.min(max, d.length() - offset);
        MemorySegment slice = memory.slice(d.address() + offset, n);
        offset += n;
        remaining -= n;
        consumed += n;
        return slice;
    }

    /** Moves past {@code count} bytes (or to the end). */
    public void skip(long count) {
        long left = count;
        while (left > 0) {
            long n = next(left).byteSize();
            if (n == 0) {
                return;
            }
            left -= n;
        }
    }

    /** Moves back by {@code count} bytes taken with {@link #next} and not used (a short read or write). */
    public void unread(long count) {
        if (count < 0 || count > consumed) {
            throw new IllegalArgumentException("cannot move back " + count + " of " + consumed + " bytes");
        }
        long left = count;
        while (left > 0) {
            if (offset == 0) {
                buffer--;
                offset = buffers.get(buffer).length();
            }
            long step = Math.min(left, offset);
            offset -= step;
            left -= step;
        }
        remaining += count;
        consumed -= count;
    }

    /** Copies up to {@code length} bytes into {@code target}; returns how many there were. */
    public int read(byte[] target, int targetOffset, int length) {
        int done = 0;
        while (done < length) {
            MemorySegment s = next(length - done);
            if (s.byteSize() == 0) {
                break;
            }
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, target, targetOffset + done, (int) s.byteSize());
            done += (int) s.byteSize();
        }
        return done;
    }

    /** Copies up to {@code length} bytes from {@code source}; returns how many fitted. */
    public int write(byte[] source, int sourceOffset, int length) {
        int done = 0;
        while (done < length) {
            MemorySegment s = next(length - done);
            if (s.byteSize() == 0) {
                break;
            }
            MemorySegment.copy(source, sourceOffset + done, s, ValueLayout.JAVA_BYTE, 0, (int) s.byteSize());
            done += (int) s.byteSize();
        }
        return done;
    }
}
