package io.katacontainers.hypervisor.qemu.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the host offers QEMU, read from a host root ({@code /} in production, a fixture tree in tests).
 *
 * @param kvmDevice {@code /dev/kvm} exists
 * @param hardwareVirtualization the CPU flags list {@code vmx} or {@code svm}
 * @param pvm {@code /dev/kvm} is served by PVM ({@code kvm_pvm}), which runs stock guest kernels only emulated
 * @param vhostVsock {@code /dev/vhost-vsock} exists, so QEMU can give the guest a vsock
 * @param tscKhz the host TSC frequency, for the guest's {@code tsc_early_khz}, when the host reports it
 */
public record HostFacts(boolean kvmDevice, boolean hardwareVirtualization, boolean pvm, boolean vhostVsock,
                        OptionalLong tscKhz) {

    public static HostFacts read(Path root) {
        List<String> cpuinfo = lines(root.resolve("proc/cpuinfo"));
        return new HostFacts(
                Files.exists(root.resolve("dev/kvm")),
                hasVirtualizationFlag(cpuinfo),
                Files.exists(root.resolve("sys/module/kvm_pvm")),
                Files.exists(root.resolve("dev/vhost-vsock")),
                tscKhz(root, cpuinfo));
    }

    private static boolean hasVirtualizationFlag(List<String> cpuinfo) {
        return cpuinfo.stream()
                .filter(line -> line.startsWith("flags"))
                .flatMap(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+")))
                .anyMatch(flag -> flag.equals("vmx") || flag.equals("svm"));
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
