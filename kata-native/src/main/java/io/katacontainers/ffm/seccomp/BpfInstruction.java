package io.katacontainers.ffm.seccomp;

/**
 * One classic BPF instruction, {@code struct sock_filter}: a 16-bit opcode, two 8-bit jump offsets (taken, not
 * taken: instructions to skip) and a 32-bit constant.
 */
public record BpfInstruction(int code, int jt, int jf, int k) {
    public static final int LD_W_ABS = 0x20;
    public static final int JEQ_K = 0x15;
    public static final int JGE_K = 0x35;
    public static final int JSET_K = 0x45;
    public static final int RET_K = 0x06;

    public BpfInstruction {
        if (code < 0 || code > 0xffff) {
            throw new IllegalArgumentException("BPF opcode out of range: " + code);
        }
        if (jt < 0 || jt > 0xff || jf < 0 || jf > 0xff) {
            throw new IllegalArgumentException("BPF jump offset out of range (0-255): " + jt + ", " + jf);
        }
    }

    static BpfInstruction load(int offset) {
        return new BpfInstruction(LD_W_ABS, 0, 0, offset);
    }

    static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(code, jt, jf, k);
    }

    static BpfInstruction ret(int action) {
        return new BpfInstruction(RET_K, 0, 0, action);
    }

    @Override
    public String toString() {
        return String.format("{0x%02x, %d, %d, 0x%08x}", code, jt, jf, k);
    }
}
