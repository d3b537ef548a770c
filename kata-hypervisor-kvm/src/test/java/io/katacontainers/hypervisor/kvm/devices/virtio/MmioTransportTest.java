package io.katacontainers.hypervisor.kvm.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.rng.RngDevice;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The register semantics of the virtio-mmio transport, driven like Linux's virtio_mmio driver, with virtio-rng. */
class MmioTransportTest {
    private static final int ACK_DRIVER = Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER;

    private GuestMemory memory;
    private EventLoop loop;
    private MmioTransport transport;
    private GuestDriver driver;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.create("transport-test", 4 << 20);
        loop = EventLoop.start("virtio-test");
        transport = new MmioTransport("rng@test", RngDevice.open(), memory, loop);
        driver = new GuestDriver(memory, transport, 16);
    }

    @AfterEach
    void tearDown() throws Exception {
        try (GuestMemory m = memory; EventLoop l = loop) {
            transport.close();
        }
    }

    @Test
    void identifiesAsAVersion2RngDeviceOfferingVersion1() {
        assertEquals(0x74726976, driver.reg(MmioTransport.MAGIC_VALUE));
        assertEquals(2, driver.reg(MmioTransport.VERSION));
        assertEquals(Virtio.ID_RNG, driver.reg(MmioTransport.DEVICE_ID));
        driver.reg(MmioTransport.DEVICE_FEATURES_SEL, 1);
        assertEquals(1, driver.reg(MmioTransport.DEVICE_FEATURES), "VIRTIO_F_VERSION_1 is bit 32");
        driver.reg(MmioTransport.DEVICE_FEATURES_SEL, 0);
        assertEquals(0, driver.reg(MmioTransport.DEVICE_FEATURES));
        driver.reg(MmioTransport.DEVICE_FEATURES_SEL, 7);
        assertEquals(0, driver.reg(MmioTransport.DEVICE_FEATURES), "pages beyond 64 bits are empty");
        driver.reg(MmioTransport.QUEUE_SEL, 0);
        assertEquals(256, driver.reg(MmioTransport.QUEUE_NUM_MAX));
        driver.reg(MmioTransport.QUEUE_SEL, 1);
        assertEquals(0, driver.reg(MmioTransport.QUEUE_NUM_MAX), "no queue 1");
        assertEquals(0, driver.reg(MmioTransport.CONFIG_GENERATION));
        assertEquals(-1, driver.reg(MmioTransport.SHM_LEN_LOW), "no shared memory region");
        assertEquals(-1, driver.reg(MmioTransport.SHM_LEN_HIGH));
    }

    @Test
    void oddSizedOrMisalignedRegisterAccessesAreIgnored() {
        assertEquals(0, transport.read(MmioTransport.MAGIC_VALUE, 2));
        assertEquals(0, transport.read(MmioTransport.MAGIC_VALUE + 1, 4));
        transport.write(MmioTransport.STATUS, 1, Virtio.STATUS_ACKNOWLEDGE);
        assertEquals(0, transport.status());
        transport.write(0x800, 4, 1);
        assertEquals(0, transport.read(0x800, 8), "rng has no configuration space");
    }

    @Test
    void featuresOkNeedsVersion1AndOnlyOfferedFeatures() {
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER | Virtio.STATUS_FEATURES_OK);
        assertEquals(ACK_DRIVER, transport.status(), "no VERSION_1 accepted: a legacy driver is refused");

        driver.reg(MmioTransport.DRIVER_FEATURES_SEL, 1);
        driver.reg(MmioTransport.DRIVER_FEATURES, 1 | 2);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER | Virtio.STATUS_FEATURES_OK);
        assertEquals(ACK_DRIVER, transport.status(), "bit 33 was never offered");

        driver.reg(MmioTransport.DRIVER_FEATURES, 1);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER | Virtio.STATUS_FEATURES_OK);
        assertEquals(ACK_DRIVER | Virtio.STATUS_FEATURES_OK, transport.status());
    }

    @Test
    void statusBitsMustComeInOrder() {
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_DRIVER);
        assertEquals(0, transport.status(), "DRIVER before ACKNOWLEDGE");
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE);
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER_OK);
        assertEquals(Virtio.STATUS_ACKNOWLEDGE, transport.status(), "DRIVER_OK before FEATURES_OK");
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_FAILED);
        assertEquals(Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_FAILED, transport.status());
        driver.reg(MmioTransport.STATUS, 0);
        assertEquals(0, transport.status(), "writing 0 resets");
    }

    @Test
    void queueSetupIsIgnoredOutsideItsPhase() {
        driver.reg(MmioTransport.QUEUE_SEL, 0);
        driver.reg(MmioTransport.QUEUE_READY, 1);
        assertEquals(0, driver.reg(MmioTransport.QUEUE_READY), "before FEATURES_OK");
        driver.start(Virtio.F_VERSION_1);
        assertEquals(1, driver.reg(MmioTransport.QUEUE_READY));
        driver.reg(MmioTransport.QUEUE_READY, 0);
        assertEquals(1, driver.reg(MmioTransport.QUEUE_READY), "after DRIVER_OK");
    }

    @Test
    void activeDeviceAnswersKicksAndResetStartsOver() throws Exception {
        driver.start(Virtio.F_VERSION_1);
        assertEquals(0x0f, transport.status());
        long buffer = driver.allocate(64);
        int head = driver.submit(0, Buffer.out(buffer, 64));
        driver.kick(0);
        GuestDriver.Used used = driver.awaitUsed(0);
        assertEquals(new GuestDriver.Used(head, 64), used);
        assertEquals(VirtioInterrupt.USED_BUFFER, driver.reg(MmioTransport.INTERRUPT_STATUS));
        assertEquals(1, EventFds.drain(transport.interrupt().eventFd()), "the irqfd was signalled once");
        driver.reg(MmioTransport.INTERRUPT_ACK, VirtioInterrupt.USED_BUFFER);
        assertEquals(0, driver.reg(MmioTransport.INTERRUPT_STATUS));

        driver.reg(MmioTransport.STATUS, 0);
        assertEquals(0, transport.status());
        driver.reg(MmioTransport.QUEUE_SEL, 0);
        assertEquals(0, driver.reg(MmioTransport.QUEUE_READY));
        driver.kick(0);
        Thread.sleep(50);
        assertTrue(driver.takeUsed(0).isEmpty(), "a reset device does not touch the old rings");
    }

    @Test
    void queueNotifyThroughTheBusReachesTheDevice() throws Exception {
        driver.start(Virtio.F_VERSION_1);
        long buffer = driver.allocate(32);
        int head = driver.submit(0, Buffer.out(buffer, 32));
        driver.reg(MmioTransport.QUEUE_NOTIFY, 0);
        assertEquals(new GuestDriver.Used(head, 32), driver.awaitUsed(0));
        driver.reg(MmioTransport.QUEUE_NOTIFY, 9);
        assertEquals(0x0f, transport.status(), "a notification of a missing queue is ignored");
    }

    @Test
    void ringsOutsideGuestRamMakeTheDeviceNeedReset() throws Exception {
        driver.reg(MmioTransport.STATUS, Virtio.STATUS_ACKNOWLEDGE);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER);
        driver.reg(MmioTransport.DRIVER_FEATURES_SEL, 1);
        driver.reg(MmioTransport.DRIVER_FEATURES, 1);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER | Virtio.STATUS_FEATURES_OK);
        driver.setUpQueue(0, memory.size() - 64, GuestDriver.QUEUES, GuestDriver.QUEUES + 0x1000);
        driver.reg(MmioTransport.STATUS, ACK_DRIVER | Virtio.STATUS_FEATURES_OK | Virtio.STATUS_DRIVER_OK);
        int status = transport.status();
        assertNotEquals(0, status & Virtio.STATUS_DEVICE_NEEDS_RESET, "status 0x" + Integer.toHexString(status));
        assertEquals(VirtioInterrupt.CONFIG_CHANGE, driver.reg(MmioTransport.INTERRUPT_STATUS));
        driver.reg(MmioTransport.STATUS, 0);
        assertEquals(0, transport.status());
        driver.start(Virtio.F_VERSION_1);
        assertFalse((transport.status() & Virtio.STATUS_DEVICE_NEEDS_RESET) != 0, "a good setup works after reset");
    }
}
