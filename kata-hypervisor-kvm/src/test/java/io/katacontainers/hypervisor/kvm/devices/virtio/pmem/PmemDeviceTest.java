package io.katacontainers.hypervisor.kvm.devices.virtio.pmem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-pmem maps the image read-only and shared, tells the guest where it is, answers flushes, and drops requests
 * too short to answer.
 */
class PmemDeviceTest {
    private static final long ADDRESS = 1L << 32;

    private static Path image(Path dir, long size) throws IOException {
        Path file = dir.resolve("root.img");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            raf.seek(4096);
            raf.write("kata-pmem".getBytes());
        }
        return file;
    }

    @Test
    void mapsTheFileAndAnswersFlushes(@TempDir Path dir) throws Exception {
        Path file = image(dir, PmemDevice.ALIGNMENT * 2);
        try (GuestMemory memory = GuestMemory.create("pmem-test", 8 << 20);
             EventLoop loop = EventLoop.start("virtio-pmem-test");
             MmioTransport transport = new MmioTransport("pmem@test", PmemDevice.open(file, ADDRESS),
                        memory, loop)) {
            assertEquals(PmemDevice.ID_PMEM, transport.read(MmioTransport.DEVICE_ID, 4));
            assertEquals(ADDRESS, transport.read(MmioTransport.CONFIG, 8), "config: start");
            assertEquals(PmemDevice.ALIGNMENT * 2, transport.read(MmioTransport.CONFIG + 8, 8), "config: size");

            GuestDriver driver = new GuestDriver(memory, transport, 16);
            driver.start(Virtio.F_VERSION_1);
            long request = driver.allocate(4);
            memory.writeInt(request, PmemDevice.REQ_FLUSH);
            long response = driver.allocate(4);
            memory.writeInt(response, 0xdead);
            int flush = driver.submit(0, Buffer.in(request, 4), Buffer.out(response, 4));
            long unknown = driver.allocate(4);
            memory.writeInt(unknown, 7);
            long unknownResponse = driver.allocate(4);
            int other = driver.submit(0, Buffer.in(unknown, 4), Buffer.out(unknownResponse, 4));
            int truncated = driver.submit(0, Buffer.in(request, 2), Buffer.out(response, 4));
            driver.kick(0);
            assertEquals(new GuestDriver.Used(flush, 4), driver.awaitUsed(0));
            assertEquals(PmemDevice.RESP_OK, memory.readInt(response));
            assertEquals(new GuestDriver.Used(other, 4), driver.awaitUsed(0));
            assertEquals(PmemDevice.RESP_ERROR, memory.readInt(unknownResponse));
            assertEquals(new GuestDriver.Used(truncated, 0), driver.awaitUsed(0), "a short request is dropped");
        }
    }

    @Test
    void theMappingIsTheFileReadOnly(@TempDir Path dir) throws Exception {
        Path file = image(dir, PmemDevice.ALIGNMENT);
        try (PmemDevice device = PmemDevice.open(file, ADDRESS)) {
            byte[] bytes = new byte[9];
            java.lang.foreign.MemorySegment.copy(device.mapping(), ValueLayout.JAVA_BYTE, 4096, bytes, 0, 9);
            assertEquals("kata-pmem", new String(bytes));
            String maps = Files.readString(Path.of("/proc/self/maps"));
            String line = maps.lines().filter(l -> l.endsWith(file.toString())).findFirst().orElseThrow();
            assertTrue(line.split("\\s+")[1].equals("r--s"), "mapped read-only and shared: " + line);
        }
    }

    @Test
    void refusesImagesTheGuestCannotMap(@TempDir Path dir) throws Exception {
        Path odd = image(dir, PmemDevice.ALIGNMENT + 4096);
        IOException e = assertThrows(IOException.class, () -> PmemDevice.open(odd, ADDRESS));
        assertTrue(e.getMessage().contains("multiple of 2 MiB"), e.getMessage());
        assertThrows(IOException.class, () -> PmemDevice.open(dir.resolve("missing.img"), ADDRESS));
        assertThrows(IllegalArgumentException.class, () -> PmemDevice.open(odd, ADDRESS + 4096));
    }
}
