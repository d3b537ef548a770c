package io.katacontainers.api.hypervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One vsock device per guest port (the agent's, the debug console's), one shared fs, and none after start. */
class ColdPlugDevicesTest {
    private final ColdPlugDevices devices = new ColdPlugDevices("test",
            Set.of(Device.Vsock.class, Device.SharedFs.class));

    @Test
    void aVsockPortIsAddedOnceAndTheAgentsStaysFirst() throws Exception {
        devices.add(new Device.Vsock(1024), VmState.CREATED);
        devices.add(new Device.Vsock(1026), VmState.CREATED);
        var again = assertThrows(HypervisorException.class,
                () -> devices.add(new Device.Vsock(1026), VmState.CREATED));
        assertTrue(again.getMessage().contains("for that port already"), again.getMessage());
        assertEquals(List.of(new Device.Vsock(1024), new Device.Vsock(1026)), devices.all(Device.Vsock.class));
        assertEquals(new Device.Vsock(1024), devices.first(Device.Vsock.class).orElseThrow());
        devices.add(new Device.SharedFs("kataShared", Path.of("/tmp")), VmState.CREATED);
        assertThrows(HypervisorException.class,
                () -> devices.add(new Device.SharedFs("other", Path.of("/tmp")), VmState.CREATED));
        assertThrows(UnsupportedDeviceException.class,
                () -> devices.add(new Device.Vsock(2000), VmState.RUNNING));
    }
}
