package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.rng.RngDevice;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A transport's saved state taken back by a fresh transport (what a snapshot restore does): same registers and
 * queues, the device started, and the queue positions continued, so a chain the driver made available before the
 * snapshot is served once after it, and the chains served before are not served again.
 */
class TransportStateTest {
    private GuestMemory memory;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.create("transport-state-test", 4 << 20);
        loop = EventLoop.start("transport-state-test");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (GuestMemory m = memory) {
            loop.close();
        }
    }

    @Test
    void aFreshTransportContinuesTheSavedQueues() throws Exception {
        MmioTransport saved = new MmioTransport("rng@saved", RngDevice.open(), memory, loop);
        GuestDriver driver = new GuestDriver(memory, saved, 16);
        driver.start(Virtio.F_VERSION_1);
        for (int i = 0; i < 2; i++) {
            int head = driver.submit(0, Buffer.out(driver.allocate(64), 64));
            driver.kick(0);
            assertEquals(new GuestDriver.Used(head, 64), driver.awaitUsed(0));
        }
        // Made available, not yet notified: the restored device must serve it.
        int pending = driver.submit(0, Buffer.out(driver.allocate(32), 32));
        TransportState state = saved.saveState();
        saved.close();

        assertEquals(0x0f, state.status());
        assertEquals(Virtio.F_VERSION_1, state.driverFeatures());
        QueueState queue = state.queues().getFirst();
        assertEquals(List.of(2, 2, 16, true), List.of(queue.nextAvailable(), queue.nextUsed(), queue.size(),
                queue.ready()));
        assertEquals(GuestDriver.descriptorTable(0), queue.descriptorTable());

        try (MmioTransport restored = new MmioTransport("rng@restored", RngDevice.open(), memory, loop)) {
            restored.restoreState(state);
            assertEquals(state, restored.saveState());
            EventFds.signal(restored.queueEvents().getFirst());
            assertEquals(new GuestDriver.Used(pending, 32), driver.awaitUsed(0));
            assertEquals(3, Short.toUnsignedInt(memory.readShort(GuestDriver.descriptorTable(0)
                    + GuestDriver.USED_OFFSET + 2)), "one more used entry, none repeated");
            assertThrows(IllegalStateException.class, () -> restored.restoreState(state),
                    "only a fresh transport takes a state");
        }
    }

    @Test
    void aStateOfAnotherDeviceIsRefused() throws Exception {
        TransportState threeQueues = new TransportState(0x0f, Virtio.F_VERSION_1, 0, 0, 0, 0,
                List.of(new QueueState(16, true, 0x10000, 0x14000, 0x18000, 0, 0),
                        new QueueState(16, true, 0x20000, 0x24000, 0x28000, 0, 0),
                        new QueueState(16, true, 0x30000, 0x34000, 0x38000, 0, 0)));
        try (MmioTransport rng = new MmioTransport("rng@test", RngDevice.open(), memory, loop)) {
            IOException e = assertThrows(IOException.class, () -> rng.restoreState(threeQueues));
            assertTrue(e.getMessage().contains("3 queues"), e.getMessage());
            assertEquals(0, rng.status(), "left untouched");
        }
    }
}
