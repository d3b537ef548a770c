package io.katacontainers.hypervisor.kvm.devices.virtio.rng;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** virtio-rng fills what the guest offers, across descriptors and through indirect tables, capped per request. */
class RngDeviceTest {
    @Test
    void fillsDirectAndIndirectBuffers() throws Exception {
        try (GuestMemory memory = GuestMemory.create("rng-test", 8 << 20);
             EventLoop loop = EventLoop.start("virtio-rng-test");
             MmioTransport transport = new MmioTransport("rng@test", RngDevice.open(), memory, loop)) {
            GuestDriver driver = new GuestDriver(memory, transport, 16);
            driver.start(Virtio.F_VERSION_1);
            long a = driver.allocate(100);
            long b = driver.allocate(4000);
            int direct = driver.submit(0, Buffer.out(a, 100), Buffer.out(b, 4000));
            long c = driver.allocate(RngDevice.MAX_REQUEST + 4096);
            int indirect = driver.submitIndirect(0, Buffer.out(c, RngDevice.MAX_REQUEST + 4096));
            driver.kick(0);
            assertEquals(new GuestDriver.Used(direct, 4100), driver.awaitUsed(0));
            assertEquals(new GuestDriver.Used(indirect, RngDevice.MAX_REQUEST), driver.awaitUsed(0),
                    "one request gets at most MAX_REQUEST bytes");

            byte[] first = new byte[4000];
            memory.read(b, first, 0, 4000);
            byte[] second = new byte[4000];
            memory.read(c, second, 0, 4000);
            assertFalse(Arrays.equals(first, second), "two fills differ");
            assertFalse(Arrays.equals(first, new byte[4000]), "random bytes are not all zero");
            byte[] tail = new byte[4096];
            memory.read(c + RngDevice.MAX_REQUEST, tail, 0, 4096);
            assertTrue(Arrays.equals(tail, new byte[4096]), "nothing written past the reported length");
        }
    }
}
