package io.katacontainers.hypervisor.qemu.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the host offers QEMU besides acceleration ({@link Acceleration}), read from a host root ({@code /} in
 * production, a fixture tree in tests).
 *
 * @param vhostVsock {@code /dev/vhost-vsock} exists, so QEMU can give the guest a vsock
 * @param tscKhz the host TSC frequency, for the guest's {@code tsc_early_khz}, when the host reports it
 */
public record HostFacts(boolean vhostVsock, OptionalLong tscKhz) {

    public static HostFacts read(Path root) {
        List<String> cpuinfo = lines(root.resolve("proc/cpuinfo"));
        return new HostFacts(Files.exists(root.resolve("dev/vhost-vsock")), tscKhz(root, cpuinfo));
    }

    /** Prefers the kernel's exact TSC frequency (exposed by some kernels), else the first {@code cpu MHz}. */
    private static OptionalLong tscKhz(Path root, List<String> cpuinfo) {
        Path exact = root.resolve("sys/devices/system/cpu/cpu0/tsc_freq_khz");
        if (Files.isReadable(exact)) {
            List<String> value = lines(exact);
            if (!value.isEmpty() && value.getFirst().trim().matches("\\d+")) {
                return OptionalLong.of(Long.parseLong(value.getFirst().trim()));
            }
        }
        return cpuinfo.stream()
                .filter(line -> line.startsWith("cpu MHz"))
                .findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .filter(mhz -> mhz.matches("\\d+(\\.\\d+)?"))
                .map(mhz -> OptionalLong.of(Math.round(Double.parseDouble(mhz) * 1000)))
                .orElse(OptionalLong.empty());
    }

    private static List<String> lines(Path file) {
        if (!Files.isReadable(file)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
