package io.katacontainers.hypervisor.kvm.vstate;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM: one memfd, mapped shared so that vhost-user back ends (virtiofsd) can map the same pages, laid out as
 * x86 expects: RAM from 0 up to the 32-bit MMIO hole at 3 GiB, the rest above 4 GiB. Every
 * access goes through a bounds check against one region: guest addresses come from the guest and are never trusted,
 * and an access may not straddle two regions (they are not adjacent in guest-physical space).
 */
public final class GuestMemory implements AutoCloseable {
    /** Start of the 32-bit hole for MMIO devices, the local APIC and the IOAPIC. */
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    /** Guest RAM resumes here when it does not fit below the hole. */
    public static final long HIGH_RAM_START = 0x1_0000_0000L;

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One contiguous stretch of guest RAM.
     *
     * @param guestAddress guest-physical start
     * @param fileOffset where it starts in the memfd
     * @param host the host mapping of exactly this region
     */
    public record Region(long guestAddress, long fileOffset, MemorySegment host) {
        public long size() {
            return host.byteSize();
        }

        public long end() {
            return guestAddress + host.byteSize();
        }

        boolean contains(long address, long length) {
            return address >= guestAddress && length >= 0 && length <= size()
                    && address - guestAddress <= size() - length;
        }
    }

    private final Fd memfd;
    private final Mapping mapping;
    private final List<Region> regions;

    private GuestMemory(Fd memfd, Mapping mapping, List<Region> regions) {
        this.memfd = memfd;
        this.mapping = mapping;
        this.regions = List.copyOf(regions);
    }

    /** Creates {@code size} bytes of zeroed guest RAM (page-aligned) in a memfd named {@code name}. */
    public static GuestMemory create(String name, long size) throws SyscallException {
        if (size <= 0 || size % 4096 != 0) {
            throw new IllegalArgumentException("guest memory must be a positive multiple of 4096 bytes: " + size);
        }
        Fd memfd = Libc.memfdCreate(name, Libc.MFD_CLOEXEC);
        try {
            Libc.ftruncate(memfd.get(), size);
            Mapping mapping = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED | Libc.MAP_NORESERVE,
                    memfd.get(), 0);
            MemorySegment all = mapping.segment();
            List<Region> regions = new ArrayList<>(2);
            long low = Math.min(size, MMIO_HOLE_START);
            regions.add(new Region(0, 0, all.asSlice(0, low)));
            if (size > low) {
                regions.add(new Region(HIGH_RAM_START, low, all.asSlice(low, size - low)));
            }
            return new GuestMemory(memfd, mapping, regions);
        } catch (SyscallException | RuntimeException e) {
            memfd.close();
            throw e;
        }
    }

    /** The regions in ascending guest address order (for KVM memory slots, the e820 map and vhost-user tables). */
    public List<Region> regions() {
        return regions;
    }

    /** The memfd behind all regions, for sharing with a vhost-user back end. */
    public Fd fd() {
        return memfd;
    }

    /** Total RAM in bytes. */
    public long size() {
        return mapping.length();
    }

    /** Whether {@code [address, address + length)} lies inside one region. */
    public boolean contains(long address, long length) {
        for (Region region : regions) {
            if (region.contains(address, length)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The host view of {@code [address, address + length)}.
     *
     * @throws GuestMemoryException if the range is not entirely inside one region
     */
    public MemorySegment slice(long address, long length) {
        for (Region region : regions) {
            if (region.contains(address, length)) {
                return region.host().asSlice(address - region.guestAddress(), length);
            }
        }
        throw new GuestMemoryException(String.format("guest range 0x%x+%d is outside guest RAM", address, length));
    }

    public byte readByte(long address) {
        return slice(address, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    public short readShort(long address) {
        return slice(address, 2).get(SHORT, 0);
    }

    public int readInt(long address) {
        return slice(address, 4).get(INT, 0);
    }

    public long readLong(long address) {
        return slice(address, 8).get(LONG, 0);
    }

    public void writeByte(long address, byte value) {
        slice(address, 1).set(ValueLayout.JAVA_BYTE, 0, value);
    }

    public void writeShort(long address, short value) {
        slice(address, 2).set(SHORT, 0, value);
    }

    public void writeInt(long address, int value) {
        slice(address, 4).set(INT, 0, value);
    }

    public void writeLong(long address, long value) {
        slice(address, 8).set(LONG, 0, value);
    }

    /** Copies {@code length} bytes of guest memory at {@code address} into {@code target} at {@code offset}. */
    public void read(long address, byte[] target, int offset, int length) {
        MemorySegment.copy(slice(address, length), ValueLayout.JAVA_BYTE, 0, target, offset, length);
    }

    /** Copies {@code length} bytes of {@code source} at {@code offset} into guest memory at {@code address}. */
    public void write(long address, byte[] source, int offset, int length) {
        MemorySegment.copy(source, offset, slice(address, length), ValueLayout.JAVA_BYTE, 0, length);
    }

    /** Unmaps the memory (later accesses fail instead of touching freed pages) and closes the memfd. */
    @Override
    public void close() throws SyscallException {
        try {
            mapping.close();
        } finally {
            memfd.close();
        }
    }
}
