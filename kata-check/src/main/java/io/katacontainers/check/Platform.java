package io.katacontainers.check;

/**
 * What the checks are chosen by: the architecture and, on x86_64, the CPU vendor (VT-x and AMD-V need
 * different flags and kernel modules).
 */
public enum Platform {
    INTEL(Arch.X86_64, "Intel VT-x"),
    AMD(Arch.X86_64, "AMD-V (SVM)"),
    ARM64(Arch.ARM64, "ARM Hyp"),
    POWER(Arch.PPC64LE, "IBM Power"),
    S390X(Arch.S390X, "IBM Z SIE"),
    RISCV64(Arch.RISCV64, "RISC-V H extension");

    private final Arch arch;
    private final String description;

    Platform(Arch arch, String description) {
        this.arch = arch;
        this.description = description;
    }

    public Arch arch() {
        return arch;
    }

    public String description() {
        return description;
    }
}
