package io.katacontainers.hypervisor.kvm.devices.virtio.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestDriver.Buffer;
import io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** virtio-console: guest output reaches the sink, host input reaches the guest's receive buffers. */
class ConsoleDeviceTest {
    @Test
    void outputAndInputFlowThroughOnePort() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Pipes.Pipe input = Pipes.pipe(Libc.O_CLOEXEC);
        Pipes.setNonBlocking(input.read().get());
        try (GuestMemory memory = GuestMemory.create("console-test", 4 << 20);
             EventLoop loop = EventLoop.start("virtio-console-test");
             MmioTransport transport = new MmioTransport("console@test",
                        ConsoleDevice.withInput(Channels.newChannel(log), input.read()), memory, loop);
             Arena arena = Arena.ofConfined()) {
            assertEquals(Virtio.ID_CONSOLE, transport.read(MmioTransport.DEVICE_ID, 4));
            GuestDriver driver = new GuestDriver(memory, transport, 16);
            driver.start(Virtio.F_VERSION_1);

            byte[] hello = "[    0.000000] Linux version 6.1\n".getBytes(StandardCharsets.US_ASCII);
            long a = driver.allocate(10);
            long b = driver.allocate(hello.length - 10);
            memory.write(a, hello, 0, 10);
            memory.write(b, hello, 10, hello.length - 10);
            int head = driver.submit(ConsoleDevice.TRANSMIT, Buffer.in(a, 10), Buffer.in(b, hello.length - 10));
            driver.kick(ConsoleDevice.TRANSMIT);
            assertEquals(new GuestDriver.Used(head, 0), driver.awaitUsed(ConsoleDevice.TRANSMIT));
            assertEquals(new String(hello, StandardCharsets.US_ASCII), log.toString(StandardCharsets.US_ASCII));

            Libc.write(input.write().get(), arena.allocateFrom("uname -r\n", StandardCharsets.US_ASCII)
                    .asSlice(0, 9));
            Thread.sleep(20);
            long rx = driver.allocate(64);
            int rxHead = driver.submit(ConsoleDevice.RECEIVE, Buffer.out(rx, 64));
            driver.kick(ConsoleDevice.RECEIVE);
            assertEquals(new GuestDriver.Used(rxHead, 9), driver.awaitUsed(ConsoleDevice.RECEIVE),
                    "input that waited for a buffer arrives when the guest posts one");
            byte[] got = new byte[9];
            memory.read(rx, got, 0, 9);
            assertEquals("uname -r\n", new String(got, StandardCharsets.US_ASCII));

            input.write().close();
            long rx2 = driver.allocate(64);
            driver.submit(ConsoleDevice.RECEIVE, Buffer.out(rx2, 64));
            driver.kick(ConsoleDevice.RECEIVE);
            Thread.sleep(50);
            assertFalse(driver.hasUsed(ConsoleDevice.RECEIVE), "closed input gives the guest nothing");
            assertEquals(0x0f, transport.status());
        }
    }
}
