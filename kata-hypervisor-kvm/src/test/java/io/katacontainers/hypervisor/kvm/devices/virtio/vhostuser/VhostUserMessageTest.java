package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte-exact encodings against the layouts in QEMU's docs/interop/vhost-user.rst (little-endian x86). */
class VhostUserMessageTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void requestNumbersAreTheSpecs() {
        assertEquals(List.of(1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18),
                Stream.of(VhostUserRequest.values()).map(VhostUserRequest::code).toList());
    }

    @Test
    void headerIsRequestFlagsSize() {
        byte[] wire = VhostUserMessage.request(VhostUserRequest.SET_FEATURES, false,
                VhostUserMessage.u64(0x1_4000_0000L)).encode();
        assertEquals("02000000" + "01000000" + "08000000" + "0000004001000000", HEX.formatHex(wire));
        byte[] acked = VhostUserMessage.request(VhostUserRequest.SET_OWNER, true, new byte[0]).encode();
        assertEquals("03000000" + "09000000" + "00000000", HEX.formatHex(acked), "version 1 | NEED_REPLY 0x8");
    }

    @Test
    void vringStateAndAddressLayouts() {
        assertEquals("01000000" + "00040000", HEX.formatHex(VhostUserMessage.vringState(1, 1024)));
        byte[] addresses = VhostUserMessage.vringAddresses(
                new VringAddresses(1, 0x7f00_0000_1000L, 0x7f00_0000_3000L, 0x7f00_0000_2000L));
        assertEquals(VringAddresses.WIRE_SIZE, addresses.length);
        assertEquals("01000000" + "00000000"
                        + "00100000007f0000" + "00300000007f0000" + "00200000007f0000" + "0000000000000000",
                HEX.formatHex(addresses), "index, flags, desc, used, avail, log");
    }

    @Test
    void memoryTableSendsOnlyTheRegionsInUse() {
        byte[] table = VhostUserMessage.memoryTable(List.of(
                new MemoryRegion(0, 0xC000_0000L, 0x7f00_0000_0000L, 0),
                new MemoryRegion(0x1_0000_0000L, 0x80_0000L, 0x7f00_C000_0000L, 0xC000_0000L)));
        assertEquals(8 + 2 * MemoryRegion.WIRE_SIZE, table.length);
        assertEquals("02000000" + "00000000"
                        + "0000000000000000" + "000000c000000000" + "00000000007f0000" + "0000000000000000"
                        + "0000000001000000" + "0000800000000000" + "000000c0007f0000" + "000000c000000000",
                HEX.formatHex(table), "count, padding, then gpa, size, user address, mmap offset per region");
        assertThrows(IllegalArgumentException.class, () -> VhostUserMessage.memoryTable(List.of()));
        assertThrows(IllegalArgumentException.class, () -> VhostUserMessage.memoryTable(
                java.util.Collections.nCopies(9, new MemoryRegion(0, 4096, 0, 0))));
    }

    @Test
    void repliesAreCheckedForVersionReplyFlagRequestAndSize() {
        VhostUserMessage.Header good = VhostUserMessage.Header.decode(HEX.parseHex("01000000" + "05000000"
                + "08000000"));
        assertEquals(new VhostUserMessage.Header(1, 5, 8), good);
        assertNull(good.replyProblem(VhostUserRequest.GET_FEATURES));
        assertTrue(good.replyProblem(VhostUserRequest.GET_QUEUE_NUM).contains("instead of GET_QUEUE_NUM"));
        assertTrue(new VhostUserMessage.Header(1, 1, 8).replyProblem(VhostUserRequest.GET_FEATURES)
                .contains("without the reply flag"));
        assertTrue(new VhostUserMessage.Header(1, 6, 8).replyProblem(VhostUserRequest.GET_FEATURES)
                .contains("version 2"));
        assertTrue(new VhostUserMessage.Header(1, 5, -1).replyProblem(VhostUserRequest.GET_FEATURES)
                .contains("4294967295 bytes"));
        assertThrows(IllegalArgumentException.class, () -> VhostUserMessage.Header.decode(new byte[11]));
    }

    @Test
    void payloadDecodersRefuseWrongSizesAndQueues() {
        assertEquals(0x1_0000_0000L, VhostUserMessage.decodeU64(VhostUserMessage.u64(0x1_0000_0000L)));
        assertThrows(IllegalArgumentException.class, () -> VhostUserMessage.decodeU64(new byte[4]));
        assertEquals(7, VhostUserMessage.decodeVringNum(VhostUserMessage.vringState(1, 7), 1));
        assertThrows(IllegalArgumentException.class,
                () -> VhostUserMessage.decodeVringNum(VhostUserMessage.vringState(0, 7), 1));
    }

    @Test
    void vringsMustBeSplitRingSizedAndAddressable() {
        assertThrows(IllegalArgumentException.class, () -> new Vring(0, 1000, 0, 0, 0, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Vring(0, 65536, 0, 0, 0, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Vring(256, 8, 0, 0, 0, null, null, null));
        Vring ring = new Vring(1, 256, 0, 0, 0, null, null, null);
        assertEquals(4096, ring.descriptorTableBytes());
        assertEquals(518, ring.availableRingBytes());
        assertEquals(2054, ring.usedRingBytes());
    }
}
