package io.katacontainers.benchmarks.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The class of machine a run belongs to, which picks its baseline: architecture, CPU count and what /dev/kvm is
 * ({@code kvm}: hardware virtualization; {@code pvm}: a /dev/kvm without VT-x/SVM, which runs only tiny guests;
 * {@code nokvm}: none), e.g. {@code x86_64-2cpu-pvm}. Ratios are compared only within a class.
 */
public record MachineClass(String arch, int cpus, String kvm) {
    private static final Pattern VIRT_FLAG = Pattern.compile("^flags\\s*:.*\\b(vmx|svm)\\b", Pattern.MULTILINE);

    /** This machine, reading {@code root}/dev/kvm and {@code root}/proc/cpuinfo. */
    public static MachineClass detect(Path root) throws IOException {
        String arch = System.getProperty("os.arch");
        if (arch.equals("amd64")) {
            arch = "x86_64";
        }
        String kvm = "nokvm";
        if (Files.exists(root.resolve("dev/kvm"))) {
            Path cpuinfo = root.resolve("proc/cpuinfo");
            boolean hardware = Files.isReadable(cpuinfo) && VIRT_FLAG.matcher(Files.readString(cpuinfo)).find();
            kvm = hardware ? "kvm" : "pvm";
        }
        return new MachineClass(arch, Runtime.getRuntime().availableProcessors(), kvm);
    }

    /** The name baselines are filed under. */
    public String name() {
        return arch + "-" + cpus + "cpu-" + kvm;
    }
}
