package io.katacontainers.agent.channel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Which of Kata's two agent channels this guest has: vsock port 1024, the virtio-serial port agent.channel.0. */
public final class ChannelDiscovery {
    private static final Path VSOCK_DEVICE = Path.of("/dev/vsock");

    private ChannelDiscovery() {
    }

    /** The channels whose device exists now; empty if none does (yet). */
    public static List<ChannelAddress> available() {
        List<ChannelAddress> found = new ArrayList<>();
        if (Files.exists(VSOCK_DEVICE)) {
            found.add(new ChannelAddress.Vsock(ChannelAddress.DEFAULT_VSOCK_PORT));
        }
        SerialPorts.find(ChannelAddress.DEFAULT_SERIAL_PORT)
                .ifPresent(device -> found.add(new ChannelAddress.Serial(device.toString())));
        return found;
    }
}
