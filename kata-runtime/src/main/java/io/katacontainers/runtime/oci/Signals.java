package io.katacontainers.runtime.oci;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers as {@code runc kill} accepts them: {@code TERM}, {@code SIGTERM}, {@code 15}. */
public final class Signals {
    /** Linux x86_64/arm64 signal numbers. */
    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));
    private static final int MAX = 64;

    private Signals() {
    }

    /** @throws IllegalArgumentException for an unknown name or a number outside 1..64 */
    public static int parse(String signal) {
        String s = signal.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int number;
            try {
                number = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > MAX) {
                throw new IllegalArgumentException("invalid signal number " + s + " (1-" + MAX + ")");
            }
            return number;
        }
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        Integer number = NUMBERS.get(name);
        if (number == null) {
            throw new IllegalArgumentException("unknown signal '" + signal + "'");
        }
        return number;
    }
}
