package io.katacontainers.check.host;

import io.katacontainers.check.Arch;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** /proc/cpuinfo of the host root, with the lookups the checks need. */
public record CpuInfo(String text) {

    /**
     * The value of the first "key : value" line with this key. Per-CPU fields are the same on every CPU for
     * what we read (flags, vendor), so the first one stands for all, as in Kata.
     */
    public Optional<String> field(String key) {
        return text.lines()
                .map(line -> line.split(":", 2))
                .filter(kv -> kv.length == 2 && kv[0].strip().equals(key))
                .map(kv -> kv[1].strip())
                .findFirst();
    }

    /** The words of a flags line ("flags" on x86, "features" on s390x). */
    public Set<String> words(String key) {
        return field(key)
                .map(value -> Arrays.stream(value.split("\\s+")).filter(w -> !w.isEmpty()).collect(Collectors.toSet()))
                .orElse(Set.of());
    }

    /** Whole-word search over the whole file, as Kata's anchored regex does for CPU attributes. */
    public boolean containsWord(String word) {
        return Pattern.compile("\\b" + Pattern.quote(word) + "\\b").matcher(text).find();
    }

    /** On x86, the "hypervisor" flag says this host is itself a virtual machine. */
    public boolean runsOnHypervisor() {
        return words("flags").contains("hypervisor");
    }

    /** The architecture this cpuinfo was written by: each kernel port prints its own distinctive keys. */
    public Optional<Arch> detectArch() {
        if (field("vendor_id").filter("IBM/S390"::equals).isPresent()) {
            return Optional.of(Arch.S390X);
        }
        if (field("isa").filter(isa -> isa.startsWith("rv64")).isPresent()) {
            return Optional.of(Arch.RISCV64);
        }
        if (field("CPU implementer").isPresent()) {
            return Optional.of(Arch.ARM64);
        }
        if (field("cpu").filter(cpu -> cpu.startsWith("POWER")).isPresent() || field("platform").isPresent()) {
            return Optional.of(Arch.PPC64LE);
        }
        if (field("vendor_id").isPresent() && field("flags").isPresent()) {
            return Optional.of(Arch.X86_64);
        }
        return Optional.empty();
    }
}
