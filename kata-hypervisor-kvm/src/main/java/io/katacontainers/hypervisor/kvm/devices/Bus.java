package io.katacontainers.hypervisor.kvm.devices;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Dispatches guest accesses by address to the device whose range contains them: one bus for port I/O, one for
 * MMIO. Devices are registered while the VM is being built; lookups from vCPU threads are lock-free on an immutable
 * sorted array. An access no device claims reads as all ones (an empty ISA bus) and its writes are dropped, so a
 * guest probing absent hardware sees nothing and cannot disturb the VMM.
 */
public final class Bus {
    private static final System.Logger LOG = System.getLogger(Bus.class.getName());

    /** A device's claim on {@code [base, base + length)}. */
    public record Range(long base, long length, BusDevice device) {
        public Range {
            if (length <= 0 || base + length < base) {
                throw new IllegalArgumentException(String.format("bad bus range 0x%x+0x%x", base, length));
            }
        }

        long end() {
            return base + length;
        }

        boolean overlaps(Range other) {
            return base < other.end() && other.base < end();
        }
    }

    private final String name;
    private volatile Range[] ranges = new Range[0];

    /** @param name "pio" or "mmio", for messages */
    public Bus(String name) {
        this.name = name;
    }

    /**
     * Adds {@code device} at {@code [base, base + length)}.
     *
     * @throws IllegalArgumentException if the range overlaps a device already on this bus
     */
    public synchronized void register(long base, long length, BusDevice device) {
        Range added = new Range(base, length, device);
        for (Range existing : ranges) {
            if (existing.overlaps(added)) {
                throw new IllegalArgumentException(String.format(
                        "%s range 0x%x+0x%x of %s overlaps 0x%x+0x%x of %s", name, base, length,
                        device.getClass().getSimpleName(), existing.base, existing.length,
                        existing.device.getClass().getSimpleName()));
            }
        }
        List<Range> all = new ArrayList<>(Arrays.asList(ranges));
        all.add(added);
        all.sort(Comparator.comparingLong(Range::base));
        ranges = all.toArray(Range[]::new);
    }

    /** The device claiming {@code address}, if any. */
    public Optional<Range> find(long address) {
        return Optional.ofNullable(lookup(address));
    }

    private Range lookup(long address) {
        Range[] snapshot = ranges;
        int low = 0;
        int high = snapshot.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            Range r = snapshot[mid];
            if (Long.compareUnsigned(address, r.base) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address - r.base, r.length) >= 0) {
                low = mid + 1;
            } else {
                return r;
            }
        }
        return null;
    }

    /** A guest load of {@code size} bytes at {@code address}: the device's answer, or all ones where none is. */
    public long read(long address, int size) {
        Range r = lookup(address);
        if (r == null) {
            LOG.log(System.Logger.Level.TRACE, () -> String.format("%s read of %d at 0x%x: no device", name, size,
                    address));
            return mask(size);
        }
        return r.device.read(address - r.base, size) & mask(size);
    }

    /** A guest store; dropped where no device is. */
    public void write(long address, int size, long value) {
        Range r = lookup(address);
        if (r == null) {
            LOG.log(System.Logger.Level.TRACE, () -> String.format("%s write of %d at 0x%x: no device", name, size,
                    address));
            return;
        }
        r.device.write(address - r.base, size, value & mask(size));
    }

    private static long mask(int size) {
        return size >= Long.BYTES ? -1L : (1L << (size * 8)) - 1;
    }
}
