package io.katacontainers.agent.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.errdefs.ErrdefsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkSysctlsTest {
    @TempDir
    Path procSys;

    @Test
    void onlyNetworkSysctlsAreTaken() {
        Map<String, String> spec = new LinkedHashMap<>();
        spec.put("kernel.shmmax", "1");
        spec.put("net.ipv4.ip_unprivileged_port_start", "0");
        spec.put("net.core.somaxconn", "1024");
        assertEquals(List.of("net.ipv4.ip_unprivileged_port_start", "net.core.somaxconn"),
                List.copyOf(NetworkSysctls.of(spec).keySet()));
    }

    @Test
    void aSysctlIsWrittenToItsFileAndAnUnknownOneIsNamed() throws IOException {
        Path file = procSys.resolve("net/ipv4/ip_unprivileged_port_start");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "1024");
        NetworkSysctls.write(procSys, Map.of("net.ipv4.ip_unprivileged_port_start", "0"));
        assertEquals("0", Files.readString(file));
        var unknown = assertThrows(ErrdefsException.class,
                () -> NetworkSysctls.write(procSys, Map.of("net.ipv4.no_such_key", "1")));
        assertTrue(unknown.getMessage().contains("net.ipv4.no_such_key"), unknown.getMessage());
    }

    @Test
    void aKeyThatLeavesTheTreeIsRefused() {
        for (String key : List.of("net.ipv4/../../kernel.x", "net..x", "net", "kernel.shmmax", "net.a b")) {
            assertThrows(ErrdefsException.class, () -> NetworkSysctls.fileOf(procSys, key), key);
        }
    }
}
