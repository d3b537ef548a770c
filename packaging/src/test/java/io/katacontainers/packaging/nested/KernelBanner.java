package io.katacontainers.packaging.nested;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code linux_banner} lines of a kernel image: {@code Linux version RELEASE (BUILDER) (COMPILER) VERSION},
 * where RELEASE is what the running kernel's {@code uname -r} prints and VERSION what its {@code uname -v} prints,
 * byte for byte: the build date keeps its layout ({@code Mon Dec  7}, the day padded to two characters on days
 * 1 to 9), so a value must reach {@link #matches} exactly as the guest printed it.
 *
 * @param lines every line of the image that starts with {@code Linux version } and ends with a newline
 */
record KernelBanner(List<String> lines) {
    private static final String PREFIX = "Linux version ";

    KernelBanner {
        lines = List.copyOf(lines);
    }

    /** The banner lines of the kernel image at {@code image} (a vmlinux or any file that holds them uncompressed). */
    static KernelBanner of(Path image) throws IOException {
        return of(Files.readAllBytes(image));
    }

    /** The banner lines in {@code image}'s bytes. */
    static KernelBanner of(byte[] image) {
        String text = new String(image, StandardCharsets.ISO_8859_1);
        List<String> found = new ArrayList<>();
        for (int at = text.indexOf(PREFIX); at >= 0; at = text.indexOf(PREFIX, at + 1)) {
            int end = text.indexOf('\n', at);
            int nul = text.indexOf('\0', at);
            if (end > at && (nul < 0 || end < nul)) {
                found.add(text.substring(at, end));
            }
        }
        return new KernelBanner(found);
    }

    /** Whether a kernel whose {@code uname -r} is {@code release} runs this image's build. */
    boolean hasRelease(String release) {
        return !release.isEmpty() && lines.stream().anyMatch(line -> line.startsWith(PREFIX + release + " "));
    }

    /**
     * Whether a kernel whose {@code uname -r} is {@code release} and {@code uname -v} is {@code version} is this
     * image's build: the same release and the same version string, whitespace included.
     */
    boolean matches(String release, String version) {
        return !release.isEmpty() && !version.isEmpty() && lines.stream()
                .anyMatch(line -> line.startsWith(PREFIX + release + " ") && line.endsWith(" " + version));
    }
}
