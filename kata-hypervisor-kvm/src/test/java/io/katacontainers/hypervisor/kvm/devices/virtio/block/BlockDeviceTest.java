package io.katacontainers.hypervisor.kvm.devices.virtio.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk against a real temp file, driven through the transport as the guest's driver would. */
class BlockDeviceTest {
    private static final int DISK = 1 << 20;

    @TempDir
    Path dir;

    private Path image;
    private byte[] content;
    private GuestMemory memory;
    private EventLoop loop;
    private MmioTransport transport;
    private GuestDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        content = new byte[DISK];
        new Random(7).nextBytes(content);
        image = dir.resolve("disk.img");
        Files.write(image, content);
        memory = GuestMemory.create("blk-test", 8 << 20);
        loop = EventLoop.start("virtio-blk-test");
    }

    private void start(boolean readOnly) {
        try {
            transport = new MmioTransport("blk@test", BlockDevice.open(image, readOnly, "kata-disk-0"), memory, loop);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        driver = new GuestDriver(memory, transport, 64);
        driver.start(transport.device().features());
    }

    @AfterEach
    void tearDown() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop) {
            if (transport != null) {
                transport.close();
            }
        }
    }

    private long header(int type, long sector) {
        long address = driver.allocate(16);
        byte[] h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0, type).putLong(8, sector).array();
        memory.write(address, h, 0, 16);
        return address;
    }

    /** Submits a request and returns {used length, status byte}. */
    private int[] request(Buffer... buffers) throws Exception {
        int head = driver.submit(0, buffers);
        driver.kick(0);
        GuestDriver.Used used = driver.awaitUsed(0);
        assertEquals(head, used.head());
        Buffer last = buffers[buffers.length - 1];
        return new int[] {used.length(), memory.readByte(last.address() + last.length() - 1)};
    }

    @Test
    void capacityAndFeatures() {
        start(false);
        assertEquals(DISK / 512, transport.read(MmioTransport.CONFIG, 8));
        assertEquals(254, transport.read(MmioTransport.CONFIG + 12, 4), "seg_max");
        assertEquals(0, transport.device().features() & BlockDevice.F_RO);
        assertNotEquals(0, transport.device().features() & BlockDevice.F_FLUSH);
    }

    @Test
    void readSpansDescriptorsAndMatchesTheFile() throws Exception {
        start(false);
        long a = driver.allocate(1536);
        long b = driver.allocate(2560);
        long status = driver.allocate(1);
        int[] result = request(Buffer.in(header(Request.T_IN, 3), 16), Buffer.out(a, 1536), Buffer.out(b, 2560),
                Buffer.out(status, 1));
        assertEquals(4096 + 1, result[0]);
        assertEquals(Request.S_OK, result[1]);
        byte[] got = new byte[4096];
        memory.read(a, got, 0, 1536);
        memory.read(b, got, 1536, 2560);
        assertArrayEquals(Arrays.copyOfRange(content, 3 * 512, 3 * 512 + 4096), got);
    }

    @Test
    void indirectRequestIsServed() throws Exception {
        start(false);
        long data = driver.allocate(512);
        long status = driver.allocate(1);
        int head = driver.submitIndirect(0, Buffer.in(header(Request.T_IN, 0), 16), Buffer.out(data, 512),
                Buffer.out(status, 1));
        driver.kick(0);
        assertEquals(new GuestDriver.Used(head, 513), driver.awaitUsed(0));
        assertEquals(Request.S_OK, memory.readByte(status));
        byte[] got = new byte[512];
        memory.read(data, got, 0, 512);
        assertArrayEquals(Arrays.copyOf(content, 512), got);
    }

    @Test
    void writeReachesTheFileAndFlushSucceeds() throws Exception {
        start(false);
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0x42);
        long buffer = driver.allocate(1024);
        memory.write(buffer, data, 0, 1024);
        long status = driver.allocate(1);
        int[] result = request(Buffer.in(header(Request.T_OUT, 10), 16), Buffer.in(buffer, 1024),
                Buffer.out(status, 1));
        assertEquals(1, result[0], "only the status byte is written");
        assertEquals(Request.S_OK, result[1]);
        assertEquals(Request.S_OK, request(Buffer.in(header(Request.T_FLUSH, 0), 16), Buffer.out(status, 1))[1]);
        byte[] disk = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(disk, 10 * 512, 10 * 512 + 1024));
        assertEquals(content[10 * 512 - 1], disk[10 * 512 - 1], "the sector before is untouched");
    }

    @Test
    void readOnlyDeviceRefusesWrites() throws Exception {
        start(true);
        assertNotEquals(0, transport.device().features() & BlockDevice.F_RO);
        long buffer = driver.allocate(512);
        long status = driver.allocate(1);
        assertEquals(Request.S_IOERR, request(Buffer.in(header(Request.T_OUT, 0), 16), Buffer.in(buffer, 512),
                Buffer.out(status, 1))[1]);
        assertArrayEquals(content, Files.readAllBytes(image));
    }

    @Test
    void sectorsBeyondTheEndAndOddLengthsFail() throws Exception {
        start(false);
        long buffer = driver.allocate(1024);
        long status = driver.allocate(1);
        long last = DISK / 512 - 1;
        assertEquals(Request.S_IOERR, request(Buffer.in(header(Request.T_IN, last), 16), Buffer.out(buffer, 1024),
                Buffer.out(status, 1))[1], "the second sector is past the end");
        assertEquals(Request.S_IOERR, request(Buffer.in(header(Request.T_IN, Long.MAX_VALUE / 256), 16),
                Buffer.out(buffer, 512), Buffer.out(status, 1))[1], "a sector whose byte offset overflows");
        assertEquals(Request.S_IOERR, request(Buffer.in(header(Request.T_IN, 0), 16), Buffer.out(buffer, 100),
                Buffer.out(status, 1))[1], "not a whole sector");
        assertEquals(Request.S_OK, request(Buffer.in(header(Request.T_IN, last), 16), Buffer.out(buffer, 512),
                Buffer.out(status, 1))[1], "the last sector itself is fine");
    }

    @Test
    void getIdAndUnknownTypes() throws Exception {
        start(false);
        long id = driver.allocate(20);
        long status = driver.allocate(1);
        int[] result = request(Buffer.in(header(Request.T_GET_ID, 0), 16), Buffer.out(id, 20), Buffer.out(status, 1));
        assertEquals(21, result[0]);
        byte[] serial = new byte[20];
        memory.read(id, serial, 0, 20);
        assertEquals("kata-disk-0", new String(serial, 0, 11, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(0, serial[11], "zero-padded");
        assertEquals(Request.S_UNSUPP, request(Buffer.in(header(99, 0), 16), Buffer.out(status, 1))[1]);
    }

    @Test
    void requestWithoutStatusByteIsReturnedEmpty() throws Exception {
        start(false);
        int head = driver.submit(0, Buffer.in(header(Request.T_IN, 0), 16));
        driver.kick(0);
        assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(0));
        assertEquals(0x0f, transport.status(), "the device carries on");
    }
}
