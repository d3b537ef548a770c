package io.katacontainers.ffm.seccomp;

import java.util.List;

/**
 * What a filter does with one system call. Argument rules look at the low 32 bits of an argument, which is all
 * the kernel uses of the int and unsigned int arguments they are meant for (flags, request numbers, domains).
 */
public sealed interface SyscallRule {
    /** Allowed whatever its arguments. */
    record Allow() implements SyscallRule {
    }

    /** Allowed when argument {@code arg} (0-5) is one of {@code values}; refused with the default action otherwise. */
    record ArgIn(int arg, List<Integer> values) implements SyscallRule {
        public ArgIn {
            checkArg(arg);
            values = List.copyOf(values);
            if (values.isEmpty() || values.size() > 100) {
                throw new IllegalArgumentException("an argument rule needs 1-100 values, got " + values.size());
            }
        }
    }

    /** Allowed when argument {@code arg} has none of the bits of {@code mask} set. */
    record ArgMaskClear(int arg, int mask) implements SyscallRule {
        public ArgMaskClear {
            checkArg(arg);
        }
    }

    /** Allowed when argument {@code arg} has at least one of the bits of {@code mask} set. */
    record ArgAnySet(int arg, int mask) implements SyscallRule {
        public ArgAnySet {
            checkArg(arg);
        }
    }

    /** Not run: the call fails with {@code errno} (ENOSYS makes glibc fall back, e.g. from clone3 to clone). */
    record Errno(int errno) implements SyscallRule {
        public Errno {
            if (errno < 1 || errno > 4095) {
                throw new IllegalArgumentException("errno out of range: " + errno);
            }
        }
    }

    private static void checkArg(int arg) {
        if (arg < 0 || arg > 5) {
            throw new IllegalArgumentException("system calls have arguments 0-5, not " + arg);
        }
    }
}
