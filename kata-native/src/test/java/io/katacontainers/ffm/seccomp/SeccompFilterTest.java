package io.katacontainers.ffm.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.ffm.libc.CProbe;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter's BPF program, run by a small classic-BPF interpreter over {@code struct seccomp_data} values: what
 * each rule lets through and refuses, the architecture and x32 checks, and jumps that stay in range for long lists.
 */
class SeccompFilterTest {
    private static final int EPERM = SeccompFilter.errno(1);

    /** Runs {@code program} like the kernel's seccomp BPF: A is the accumulator, loads read seccomp_data words. */
    static int run(List<BpfInstruction> program, int arch, int nr, long... args) {
        int[] data = new int[16];
        data[0] = nr;
        data[1] = arch;
        for (int i = 0; i < args.length; i++) {
            data[4 + 2 * i] = (int) args[i];
            data[5 + 2 * i] = (int) (args[i] >>> 32);
        }
        int a = 0;
        int pc = 0;
        for (int steps = 0; steps < 10_000; steps++) {
            BpfInstruction insn = program.get(pc);
            switch (insn.code()) {
                case BpfInstruction.LD_W_ABS -> {
                    assertEquals(0, insn.k() % 4, "unaligned load");
                    a = data[insn.k() / 4];
                    pc++;
                }
                case BpfInstruction.JEQ_K -> pc += 1 + (a == insn.k() ? insn.jt() : insn.jf());
                case BpfInstruction.JGE_K -> pc += 1 + (Integer.compareUnsigned(a, insn.k()) >= 0 ? insn.jt()
                        : insn.jf());
                case BpfInstruction.JSET_K -> pc += 1 + ((a & insn.k()) != 0 ? insn.jt() : insn.jf());
                case BpfInstruction.RET_K -> {
                    return insn.k();
                }
                default -> throw new AssertionError("unknown opcode " + insn);
            }
        }
        throw new AssertionError("the program does not end");
    }

    private static int x86(SeccompFilter filter, Syscall call, long... args) {
        return run(filter.program(), SeccompFilter.AUDIT_ARCH_X86_64, call.number(), args);
    }

    @Test
    void allowsListedCallsAndRefusesTheRestWithTheDefaultAction() {
        SeccompFilter filter = SeccompFilter.refusingWith(EPERM).allow(Syscall.READ, Syscall.FUTEX).build();
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.READ));
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.FUTEX));
        assertEquals(EPERM, x86(filter, Syscall.WRITE));
        assertEquals(EPERM, x86(filter, Syscall.EXECVE));
        assertEquals(0x00050001, EPERM);
    }

    @Test
    void otherArchitecturesAndTheX32AbiGetTheDefaultAction() {
        SeccompFilter filter = SeccompFilter.refusingWith(SeccompFilter.RET_KILL_THREAD).allow(Syscall.READ).build();
        int i386 = 0x40000003;
        assertEquals(SeccompFilter.RET_KILL_THREAD, run(filter.program(), i386, Syscall.READ.number()));
        assertEquals(SeccompFilter.RET_KILL_THREAD, run(filter.program(), SeccompFilter.AUDIT_ARCH_X86_64,
                SeccompFilter.X32_SYSCALL_BIT | Syscall.READ.number()));
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.READ));
    }

    @Test
    void argumentRules() {
        SeccompFilter filter = SeccompFilter.refusingWith(EPERM)
                .rule(Syscall.IOCTL, new SyscallRule.ArgIn(1, List.of(0xae80, 0x4008ae61)))
                .rule(Syscall.OPENAT, new SyscallRule.ArgMaskClear(2, 0x243))
                .rule(Syscall.CLONE, new SyscallRule.ArgAnySet(0, 0x10000))
                .rule(Syscall.CLONE3, new SyscallRule.Errno(38))
                .allow(Syscall.WRITE)
                .build();
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.IOCTL, 5, 0xae80));
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.IOCTL, 5, 0x4008ae61L));
        assertEquals(EPERM, x86(filter, Syscall.IOCTL, 5, 0xae81));
        // Only the low word counts (the kernel's cmd is an unsigned int): high bits do not turn a refusal around.
        assertEquals(EPERM, x86(filter, Syscall.IOCTL, 5, 0x1_0000_ae81L));
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.OPENAT, -100, 0, 0x80000));
        assertEquals(EPERM, x86(filter, Syscall.OPENAT, -100, 0, 0x80001));
        assertEquals(EPERM, x86(filter, Syscall.OPENAT, -100, 0, 0x40));
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.CLONE, 0x3d0f00));
        assertEquals(EPERM, x86(filter, Syscall.CLONE, 0x1200011));
        assertEquals(SeccompFilter.errno(38), x86(filter, Syscall.CLONE3));
        // A failed argument check must not fall through into the next rule (WRITE comes after these).
        assertEquals(SeccompFilter.RET_ALLOW, x86(filter, Syscall.WRITE, 1));
        assertEquals(EPERM, x86(filter, Syscall.READ));
    }

    @Test
    void everyCallOfALongListIsReachable() {
        SeccompFilter.Builder builder = SeccompFilter.refusingWith(EPERM);
        Syscall[] all = Syscall.values();
        for (int i = 0; i < all.length; i += 2) {
            builder.rule(all[i], new SyscallRule.ArgIn(0, List.of(7, 8, 9)));
        }
        SeccompFilter filter = builder.allow(Arrays.stream(all).skip(1).filter(c -> c.ordinal() % 2 == 1)
                .toArray(Syscall[]::new)).build();
        for (Syscall call : all) {
            boolean ruled = call.ordinal() % 2 == 0;
            assertEquals(SeccompFilter.RET_ALLOW, x86(filter, call, 8), call.name());
            assertEquals(ruled ? EPERM : SeccompFilter.RET_ALLOW, x86(filter, call, 10), call.name());
        }
    }

    @Test
    void refusesAnAllowDefaultAndBadRules() {
        assertThrows(IllegalArgumentException.class, () -> SeccompFilter.refusingWith(SeccompFilter.RET_ALLOW));
        assertThrows(IllegalArgumentException.class, () -> new SyscallRule.ArgIn(6, List.of(1)));
        assertThrows(IllegalArgumentException.class, () -> new SyscallRule.ArgIn(0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SyscallRule.Errno(0));
        assertThrows(IllegalArgumentException.class, () -> new BpfInstruction(0x15, 256, 0, 0));
    }

    @Test
    void numbersAndConstantsMatchTheKernelHeaders(@TempDir Path dir) throws Exception {
        CProbe probe = new CProbe().include("sys/syscall.h").include("linux/seccomp.h").include("linux/audit.h")
                .include("linux/filter.h").include("sys/prctl.h");
        for (Syscall call : Syscall.values()) {
            probe.number(call.name(), "SYS_" + call.kernelName());
        }
        probe.number("seccomp", "SYS_seccomp")
                .number("AUDIT_ARCH_X86_64", "AUDIT_ARCH_X86_64")
                .number("RET_ERRNO", "SECCOMP_RET_ERRNO")
                .number("RET_ALLOW", "SECCOMP_RET_ALLOW")
                .number("RET_KILL_THREAD", "SECCOMP_RET_KILL_THREAD")
                .number("RET_KILL_PROCESS", "SECCOMP_RET_KILL_PROCESS")
                .number("RET_LOG", "SECCOMP_RET_LOG")
                .number("SET_MODE_FILTER", "SECCOMP_SET_MODE_FILTER")
                .number("PR_SET_NO_NEW_PRIVS", "PR_SET_NO_NEW_PRIVS")
                .number("PR_GET_SECCOMP", "PR_GET_SECCOMP")
                .number("LD_W_ABS", "BPF_LD | BPF_W | BPF_ABS")
                .number("JEQ_K", "BPF_JMP | BPF_JEQ | BPF_K")
                .number("JGE_K", "BPF_JMP | BPF_JGE | BPF_K")
                .number("JSET_K", "BPF_JMP | BPF_JSET | BPF_K")
                .number("RET_K", "BPF_RET | BPF_K")
                .number("sock_filter", "sizeof(struct sock_filter)")
                .number("sock_fprog", "sizeof(struct sock_fprog)")
                .number("fprog.filter", "__builtin_offsetof(struct sock_fprog, filter)")
                .number("data.arch", "__builtin_offsetof(struct seccomp_data, arch)")
                .number("data.args", "__builtin_offsetof(struct seccomp_data, args)");
        Map<String, String> c = probe.run(dir);
        for (Syscall call : Syscall.values()) {
            assertEquals(Long.toString(call.number()), c.get(call.name()), call.kernelName());
        }
        assertEquals(Long.toString(Syscall.SECCOMP_NUMBER), c.get("seccomp"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.AUDIT_ARCH_X86_64), c.get("AUDIT_ARCH_X86_64"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.RET_ERRNO), c.get("RET_ERRNO"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.RET_ALLOW), c.get("RET_ALLOW"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.RET_KILL_THREAD), c.get("RET_KILL_THREAD"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.RET_KILL_PROCESS), c.get("RET_KILL_PROCESS"));
        assertEquals(Integer.toUnsignedString(SeccompFilter.RET_LOG), c.get("RET_LOG"));
        assertEquals(Integer.toString(Seccomp.SECCOMP_SET_MODE_FILTER), c.get("SET_MODE_FILTER"));
        assertEquals(Integer.toString(Seccomp.PR_SET_NO_NEW_PRIVS), c.get("PR_SET_NO_NEW_PRIVS"));
        assertEquals(Integer.toString(Seccomp.PR_GET_SECCOMP), c.get("PR_GET_SECCOMP"));
        assertEquals(Integer.toString(BpfInstruction.LD_W_ABS), c.get("LD_W_ABS"));
        assertEquals(Integer.toString(BpfInstruction.JEQ_K), c.get("JEQ_K"));
        assertEquals(Integer.toString(BpfInstruction.JGE_K), c.get("JGE_K"));
        assertEquals(Integer.toString(BpfInstruction.JSET_K), c.get("JSET_K"));
        assertEquals(Integer.toString(BpfInstruction.RET_K), c.get("RET_K"));
        assertEquals(Long.toString(Seccomp.SOCK_FILTER.byteSize()), c.get("sock_filter"));
        assertEquals(Long.toString(Seccomp.SOCK_FPROG.byteSize()), c.get("sock_fprog"));
        assertEquals(Long.toString(Seccomp.SOCK_FPROG.byteOffset(
                java.lang.foreign.MemoryLayout.PathElement.groupElement("filter"))), c.get("fprog.filter"));
        assertEquals(Integer.toString(SeccompFilter.OFFSET_ARCH), c.get("data.arch"));
        assertEquals(Integer.toString(SeccompFilter.OFFSET_ARGS), c.get("data.args"));
    }
}
