package io.katacontainers.check.host;

import io.katacontainers.check.CheckResult;
import io.katacontainers.check.CheckStatus;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * POWER8 and older run KVM guests (kvm_hv) only with SMT off. Kata asks "ppc64_cpu --smt"; we read the same
 * state from sysfs of the host root: smt/active, else whether cpu0 has online thread siblings.
 *
 * @param newestGenerationNeedingOff 8: POWER9 and later run guests with SMT on
 */
public record SmtOffCheck(int newestGenerationNeedingOff) implements Check {
    private static final Pattern GENERATION = Pattern.compile("POWER(\\d+)");
    private static final String TURN_OFF = "Turn it off: ppc64_cpu --smt=off";

    @Override
    public String name() {
        return "SMT off (POWER" + newestGenerationNeedingOff + " and older)";
    }

    @Override
    public Role role() {
        return Role.ACCELERATION;
    }

    @Override
    public CheckResult evaluate(HostContext host) throws IOException {
        OptionalInt generation = generation(host.cpu());
        if (generation.isPresent() && generation.getAsInt() > newestGenerationNeedingOff) {
            return result(CheckStatus.PASS, "POWER" + generation.getAsInt() + " runs guests with SMT on; only POWER"
                    + newestGenerationNeedingOff + " and older need it off");
        }
        // Like Kata, a processor whose generation cannot be read is treated as an old one.
        String cpu = generation.isPresent() ? "POWER" + generation.getAsInt()
                : "this POWER processor (generation unknown)";
        Optional<Boolean> smtOn = smtOn(host.root());
        if (smtOn.isEmpty()) {
            return result(CheckStatus.WARN, cpu + " needs SMT off, and its state cannot be read (no "
                    + "/sys/devices/system/cpu/smt/active nor cpu0 thread_siblings_list); check with ppc64_cpu --smt. "
                    + TURN_OFF);
        }
        return smtOn.get()
                ? result(CheckStatus.FAIL, cpu + " runs KVM guests only with SMT off, and SMT is on. " + TURN_OFF)
                : result(CheckStatus.PASS, cpu + " needs SMT off: SMT is off");
    }

    private static OptionalInt generation(CpuInfo cpu) {
        Matcher m = GENERATION.matcher(cpu.text());
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    private static Optional<Boolean> smtOn(HostRoot root) throws IOException {
        Optional<String> active = root.read("/sys/devices/system/cpu/smt/active");
        if (active.isPresent()) {
            return Optional.of(!active.get().equals("0"));
        }
        // ppc64_cpu's own test: does an online CPU share its core with other online threads?
        return root.read("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")
                .map(list -> cpuCount(list) > 1);
    }

    /** Number of CPUs in a sysfs cpu list such as "0-7" or "0,8". */
    private static int cpuCount(String list) {
        int count = 0;
        for (String range : list.split(",")) {
            String[] ends = range.strip().split("-");
            count += ends.length == 2 ? Integer.parseInt(ends[1]) - Integer.parseInt(ends[0]) + 1 : 1;
        }
        return count;
    }
}
