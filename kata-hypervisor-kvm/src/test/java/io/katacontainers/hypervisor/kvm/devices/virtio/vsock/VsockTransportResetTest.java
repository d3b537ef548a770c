package io.katacontainers.hypervisor.kvm.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioInterrupt;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport-reset event a restored VM's guest gets on the vsock event queue (virtio 1.2, 5.10.6.6). */
class VsockTransportResetTest {
    @TempDir
    Path dir;

    private GuestMemory memory;
    private EventLoop loop;
    private VsockDevice device;
    private MmioTransport transport;
    private GuestDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.create("vsock-reset-test", 4 << 20);
        loop = EventLoop.start("vsock-reset-test");
        device = VsockDevice.open(dir.resolve("kata.hvsock"), 3);
        transport = new MmioTransport("vsock@test", device, memory, loop);
        driver = new GuestDriver(memory, transport, 16);
    }

    @AfterEach
    void tearDown() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop) {
            transport.close();
        }
    }

    @Test
    void theGuestGetsOneTransportResetEventInItsEventBuffer() throws Exception {
        driver.start(device.features());
        long event = driver.allocate(8);
        memory.writeLong(event, -1L);
        int head = driver.submit(Muxer.EVENT, Buffer.out(event, 8));

        loop.call(() -> {
            device.sendTransportReset();
            return null;
        });

        assertEquals(new GuestDriver.Used(head, 4), driver.awaitUsed(Muxer.EVENT));
        assertEquals(Muxer.EVENT_TRANSPORT_RESET, memory.readInt(event), "le32 id VIRTIO_VSOCK_EVENT_TRANSPORT_RESET");
        assertEquals(-1, memory.readInt(event + 4), "nothing written past the event");
        assertTrue((driver.reg(MmioTransport.INTERRUPT_STATUS) & VirtioInterrupt.USED_BUFFER) != 0);
    }

    @Test
    void withoutAnEventBufferOrAStartedDeviceTheResetFailsLoudly() throws Exception {
        ExecutionException notStarted = assertThrows(ExecutionException.class, () -> loop.call(() -> {
            device.sendTransportReset();
            return null;
        }));
        assertInstanceOf(IOException.class, notStarted.getCause());
        assertTrue(notStarted.getCause().getMessage().contains("not started"), notStarted.getCause().getMessage());

        driver.start(device.features());
        ExecutionException noBuffer = assertThrows(ExecutionException.class, () -> loop.call(() -> {
            device.sendTransportReset();
            return null;
        }));
        assertTrue(noBuffer.getCause().getMessage().contains("no buffer"), noBuffer.getCause().getMessage());
    }
}
