package io.katacontainers.packaging.guest;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the guest kernel and initrd under test are. System properties, all optional:
 * <ul>
 *   <li>{@code kata.guest.kernel}: a PVH vmlinux (default {@code <kata.dist>/share/kata-containers/vmlinux.container})
 *   <li>{@code kata.guest.initrd}: a test-init image, plain or gzip'd
 *       (default {@code <kata.dist>/share/kata-containers/kata-containers-initrd.img})
 *   <li>{@code kata.dist}: the built tree (default {@code ../build})
 * </ul>
 */
final class GuestImages {
    static final String BUILD_HINT = "packaging/guest/kernel/build-kernel.sh --out DIR and "
            + "packaging/guest/initrd/build-initrd.sh --test-init --out DIR build them (make build does)";

    private GuestImages() {
    }

    static Path kernel() {
        return existing("kata.guest.kernel", "vmlinux.container");
    }

    static Path initrd() {
        return existing("kata.guest.initrd", "kata-containers-initrd.img");
    }

    /**
     * The test-init root image ({@code kata.guest.image}, default: {@code kata-containers.img} beside
     * {@link #initrd()}, where {@code build-initrd.sh --image} writes it).
     */
    static Path rootImage() {
        Path path = Path.of(System.getProperty("kata.guest.image",
                initrd().resolveSibling("kata-containers.img").toString())).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(path), "no " + path + " (set -Dkata.guest.image): build-initrd.sh "
                + "--test-init --image --out DIR builds it (make build does)");
        return path;
    }

    private static Path existing(String property, String defaultName) {
        Path dist = Path.of(System.getProperty("kata.dist", "../build"));
        Path path = Path.of(System.getProperty(property, dist.resolve("share/kata-containers").resolve(defaultName)
                .toString())).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(path), "no " + path + " (set -D" + property + "): " + BUILD_HINT);
        return path;
    }
}
