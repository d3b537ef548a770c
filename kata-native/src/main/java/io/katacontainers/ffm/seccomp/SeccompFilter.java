package io.katacontainers.ffm.seccomp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A seccomp filter for x86_64: an allow-list of system calls, each with a {@link SyscallRule}, and one action for
 * everything else (and for any other architecture or the x32 ABI). {@link #program()} is the classic BPF program:
 * <pre>
 *   load arch; if != AUDIT_ARCH_X86_64: default
 *   load nr;   if &gt;= X32_SYSCALL_BIT: default
 *   for each rule: if nr == N: [argument checks] allow | errno
 *   default
 * </pre>
 * Every rule is self-contained (it ends in a return), so no jump is longer than one rule: the program has no limit
 * on the number of system calls but the kernel's 4096 instructions.
 */
public final class SeccompFilter {
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    public static final int X32_SYSCALL_BIT = 0x40000000;

    public static final int RET_KILL_PROCESS = 0x80000000;
    public static final int RET_KILL_THREAD = 0x00000000;
    public static final int RET_ERRNO = 0x00050000;
    public static final int RET_LOG = 0x7ffc0000;
    public static final int RET_ALLOW = 0x7fff0000;

    /** Offsets in {@code struct seccomp_data}: nr, arch, instruction pointer, then six 64-bit arguments. */
    static final int OFFSET_NR = 0;
    static final int OFFSET_ARCH = 4;
    static final int OFFSET_ARGS = 16;

    private static final int MAX_INSTRUCTIONS = 4096;

    private final Map<Syscall, SyscallRule> rules;
    private final int defaultAction;
    private final List<BpfInstruction> program;

    private SeccompFilter(Map<Syscall, SyscallRule> rules, int defaultAction) {
        this.rules = Collections.unmodifiableMap(new EnumMap<>(rules));
        this.defaultAction = defaultAction;
        this.program = List.copyOf(compile());
        if (program.size() > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("the filter has " + program.size() + " instructions; seccomp takes "
                    + MAX_INSTRUCTIONS + " at most");
        }
    }

    /** A builder whose default action is {@code defaultAction} (e.g. {@link #errno}{@code (EPERM)}). */
    public static Builder refusingWith(int defaultAction) {
        return new Builder(defaultAction);
    }

    /** The action that makes a call fail with {@code errno}. */
    public static int errno(int errno) {
        return RET_ERRNO | (errno & 0xffff);
    }

    public Map<Syscall, SyscallRule> rules() {
        return rules;
    }

    public int defaultAction() {
        return defaultAction;
    }

    /** The BPF program, ready for {@link Seccomp#install}. */
    public List<BpfInstruction> program() {
        return program;
    }

    private List<BpfInstruction> compile() {
        List<BpfInstruction> out = new ArrayList<>();
        out.add(BpfInstruction.load(OFFSET_ARCH));
        out.add(BpfInstruction.jump(BpfInstruction.JEQ_K, AUDIT_ARCH_X86_64, 1, 0));
        out.add(BpfInstruction.ret(defaultAction));
        out.add(BpfInstruction.load(OFFSET_NR));
        out.add(BpfInstruction.jump(BpfInstruction.JGE_K, X32_SYSCALL_BIT, 0, 1));
        out.add(BpfInstruction.ret(defaultAction));
        for (Map.Entry<Syscall, SyscallRule> entry : rules.entrySet()) {
            List<BpfInstruction> body = body(entry.getValue());
            // Not this call: skip the body (which ends in a return) to the next comparison; A still holds nr.
            out.add(BpfInstruction.jump(BpfInstruction.JEQ_K, entry.getKey().number(), 0, body.size()));
            out.addAll(body);
        }
        out.add(BpfInstruction.ret(defaultAction));
        return out;
    }

    /**
     * The instructions for one matched call. Argument checks load the argument into A, so a failed check must not
     * fall through to the next call's comparison: every body ends in a return.
     */
    private List<BpfInstruction> body(SyscallRule rule) {
        List<BpfInstruction> body = new ArrayList<>();
        switch (rule) {
            case SyscallRule.Allow allow -> body.add(BpfInstruction.ret(RET_ALLOW));
            case SyscallRule.Errno e -> body.add(BpfInstruction.ret(errno(e.errno())));
            case SyscallRule.ArgIn in -> {
                body.add(BpfInstruction.load(argLow(in.arg())));
                int n = in.values().size();
                // Value i: equal -> jump to the allow at the end (n - i - 1 compares, then the refusal, ahead).
                for (int i = 0; i < n; i++) {
                    body.add(BpfInstruction.jump(BpfInstruction.JEQ_K, in.values().get(i), n - i, 0));
                }
                body.add(BpfInstruction.ret(defaultAction));
                body.add(BpfInstruction.ret(RET_ALLOW));
            }
            case SyscallRule.ArgMaskClear clear -> {
                body.add(BpfInstruction.load(argLow(clear.arg())));
                body.add(BpfInstruction.jump(BpfInstruction.JSET_K, clear.mask(), 0, 1));
                body.add(BpfInstruction.ret(defaultAction));
                body.add(BpfInstruction.ret(RET_ALLOW));
            }
            case SyscallRule.ArgAnySet set -> {
                body.add(BpfInstruction.load(argLow(set.arg())));
                body.add(BpfInstruction.jump(BpfInstruction.JSET_K, set.mask(), 1, 0));
                body.add(BpfInstruction.ret(defaultAction));
                body.add(BpfInstruction.ret(RET_ALLOW));
            }
        }
        return body;
    }

    /** The low word of a 64-bit argument (x86_64 is little-endian). */
    private static int argLow(int arg) {
        return OFFSET_ARGS + 8 * arg;
    }

    /** Collects the rules; the last rule given for a call wins. */
    public static final class Builder {
        private final int defaultAction;
        private final Map<Syscall, SyscallRule> rules = new EnumMap<>(Syscall.class);

        private Builder(int defaultAction) {
            if (defaultAction == RET_ALLOW) {
                throw new IllegalArgumentException("an allow-list's default action cannot be allow");
            }
            this.defaultAction = defaultAction;
        }

        public Builder allow(Syscall... calls) {
            for (Syscall call : calls) {
                rules.put(call, new SyscallRule.Allow());
            }
            return this;
        }

        public Builder rule(Syscall call, SyscallRule rule) {
            rules.put(call, rule);
            return this;
        }

        public SeccompFilter build() {
            return new SeccompFilter(rules, defaultAction);
        }
    }
}
