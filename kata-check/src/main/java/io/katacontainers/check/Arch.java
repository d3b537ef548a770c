package io.katacontainers.check;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The CPU architectures Kata supports, named as Kata and {@code uname -m} name them. */
public enum Arch {
    X86_64("x86_64", "amd64"),
    ARM64("arm64", "aarch64"),
    PPC64LE("ppc64le", "powerpc64le"),
    S390X("s390x", "s390x"),
    RISCV64("riscv64", "riscv64");

    private final String displayName;
    private final String alias;

    Arch(String displayName, String alias) {
        this.displayName = displayName;
        this.alias = alias;
    }

    public String displayName() {
        return displayName;
    }

    /** Accepts both Kata/uname names and Go names (amd64, aarch64), case-insensitively. */
    public static Optional<Arch> parse(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(a -> a.displayName.equals(wanted) || a.alias.equals(wanted))
                .findFirst();
    }

    @Override
    public String toString() {
        return displayName;
    }
}
