package io.katacontainers.agent.channel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a virtio-serial port by name. udev makes {@code /dev/virtio-ports/<name>} links, but an initrd without udev
 * only has {@code /dev/vportNpM}; its name is in sysfs.
 */
final class SerialPorts {
    private static final Path BY_NAME = Path.of("/dev/virtio-ports");
    private static final Path SYSFS = Path.of("/sys/class/virtio-ports");

    private SerialPorts() {
    }

    /** A device path as given, or the device of the named port (the named link if the port is not there yet). */
    static Path resolve(String nameOrPath) {
        if (nameOrPath.startsWith("/")) {
            return Path.of(nameOrPath);
        }
        return find(nameOrPath).orElse(BY_NAME.resolve(nameOrPath));
    }

    /** The device of the port called {@code name}, if the guest has it. */
    static Optional<Path> find(String name) {
        Path link = BY_NAME.resolve(name);
        if (Files.exists(link)) {
            return Optional.of(link);
        }
        if (!Files.isDirectory(SYSFS)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> ports = Files.newDirectoryStream(SYSFS)) {
            for (Path port : ports) {
                Path nameFile = port.resolve("name");
                if (Files.exists(nameFile) && Files.readString(nameFile).strip().equals(name)) {
                    return Optional.of(Path.of("/dev").resolve(port.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + SYSFS, e);
        }
        return Optional.empty();
    }
}
