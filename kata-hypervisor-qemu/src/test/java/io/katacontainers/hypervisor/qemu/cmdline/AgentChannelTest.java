package io.katacontainers.hypervisor.qemu.cmdline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Without vsock, every guest port the VM was given (the agent's, the debug console's) is a virtio-serial port. */
class AgentChannelTest {
    private static final Path SOCKET = Path.of("/run/kata/sb1/agent.sock");

    @Test
    void theDebugConsoleGetsASecondSerialPortOnTheSameController() {
        AgentChannel channel = new AgentChannel.Serial(SOCKET).forPorts(List.of(1024, 1026));
        List<String> args = channel.qemuArguments(MachineType.Q35);
        assertEquals(1, Collections.frequency(args, "virtio-serial-pci"), args.toString());
        assertEquals(List.of("-device", "virtio-serial-pci",
                "-chardev", "socket,id=agent,path=/run/kata/sb1/agent.sock,server=on,wait=off",
                "-device", "virtserialport,chardev=agent,name=agent.channel.0",
                "-chardev", "socket,id=port1026,path=/run/kata/sb1/port-1026.sock,server=on,wait=off",
                "-device", "virtserialport,chardev=port1026,name=agent.debug_console.0"), args);
        assertEquals(new AgentEndpoint.VirtioSerial(SOCKET), channel.endpoint());
        assertEquals(new AgentEndpoint.VirtioSerial(Path.of("/run/kata/sb1/port-1026.sock")), channel.endpoint(1026));
        assertThrows(IllegalArgumentException.class, () -> channel.endpoint(2000));
        assertThrows(IllegalArgumentException.class, () -> channel.forPorts(List.of(1024, 2000)),
                "no serial port name stands for a port nothing in the guest serves");
    }

    @Test
    void vsockCarriesEveryPortOnOneDevice() {
        AgentChannel channel = new AgentChannel.Vsock(7).forPorts(List.of(1024, 1026));
        assertEquals(List.of("-device", "vhost-vsock-pci,id=vsock,guest-cid=7"),
                channel.qemuArguments(MachineType.Q35));
        assertEquals(new AgentEndpoint.Vsock(7, 1024), channel.endpoint());
        assertEquals(new AgentEndpoint.Vsock(7, 1026), channel.endpoint(1026));
    }
}
