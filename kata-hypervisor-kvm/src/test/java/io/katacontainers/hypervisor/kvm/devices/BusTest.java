package io.katacontainers.hypervisor.kvm.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class BusTest {
    /** Remembers accesses and answers reads with its own offset + 0x100. */
    private static final class Probe implements BusDevice {
        final List<String> accesses = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            accesses.add("r" + offset + "/" + size);
            return 0xffff_ff00L | offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            accesses.add("w" + offset + "/" + size + "=" + Long.toHexString(value));
        }
    }

    @Test
    void dispatchesByRangeWithDeviceRelativeOffsets() {
        Bus bus = new Bus("pio");
        Probe low = new Probe();
        Probe high = new Probe();
        bus.register(0x3f8, 8, high);
        bus.register(0x60, 5, low);
        assertEquals(0x03, bus.read(0x63, 1), "masked to the access size");
        assertEquals(0xff07, bus.read(0x3ff, 2));
        bus.write(0x60, 1, 0x1fe);
        bus.write(0x3f8, 4, 0x1_2345_6789L);
        assertEquals(List.of("r3/1", "w0/1=fe"), low.accesses);
        assertEquals(List.of("r7/2", "w0/4=23456789"), high.accesses);
    }

    @Test
    void unclaimedAddressesReadAllOnesAndDropWrites() {
        Bus bus = new Bus("mmio");
        Probe p = new Probe();
        bus.register(0xd000_0000L, 0x1000, p);
        assertEquals(0xff, bus.read(0x64, 1));
        assertEquals(0xffff_ffffL, bus.read(0xcfc, 4));
        assertEquals(-1L, bus.read(0xd000_1000L, 8), "first byte after the range");
        assertEquals(0xff, bus.read(0xcfff_ffffL, 1), "last byte before the range");
        bus.write(0xd000_1000L, 4, 1);
        assertTrue(p.accesses.isEmpty());
        assertTrue(bus.find(0xffff_ffff_ffff_ffffL).isEmpty(), "top of the address space");
    }

    @Test
    void overlappingRangesAreRefused() {
        Bus bus = new Bus("pio");
        bus.register(0x70, 2, new Probe());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bus.register(0x71, 4, new Probe()));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x10, 0, new Probe()));
        bus.register(0x72, 1, new Probe());
        assertEquals(0x72, bus.find(0x72).orElseThrow().base());
    }
}
