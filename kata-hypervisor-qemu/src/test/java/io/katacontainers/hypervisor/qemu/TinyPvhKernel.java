package io.katacontainers.hypervisor.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A guest "kernel" of a few bytes for lifecycle tests: an ELF64 with a Xen PVH entry note (what QEMU needs to
 * boot a vmlinux directly), whose 32-bit code prints {@link #MARKER} on the 8250 UART at 0x3f8, then either
 * halts forever or, after about two seconds, triple-faults (a reboot, which {@code -no-reboot} turns into QEMU
 * exiting); the delay lets the driver finish its QMP handshake first.
 */
final class TinyPvhKernel {
    static final String MARKER = "KATA-PVH-OK";

    enum Then { HALT, REBOOT }

    private static final long LOAD = 0x100000;
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    private static final int NOTE_OFFSET = EHDR + 2 * PHDR;
    private static final int NOTE_SIZE = 12 + 4 + 8;
    private static final int CODE_OFFSET = NOTE_OFFSET + NOTE_SIZE;
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private TinyPvhKernel() {
    }

    static Path write(Path file, Then then) throws IOException {
        byte[] message = (MARKER + "\n\0").getBytes(StandardCharsets.US_ASCII);
        int codeLength = code(then, 0, 0).length;
        long entry = LOAD + CODE_OFFSET;
        long messageAddress = entry + codeLength;
        long idtAddress = messageAddress + message.length;
        int total = CODE_OFFSET + codeLength + message.length + 6;

        ByteBuffer elf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        elf.putShort((short) 2).putShort((short) 62).putInt(1)         // ET_EXEC, EM_X86_64, version
                .putLong(entry).putLong(EHDR).putLong(0)                // entry, phoff, shoff
                .putInt(0).putShort((short) EHDR).putShort((short) PHDR) // flags, ehsize, phentsize
                .putShort((short) 2).putShort((short) 64).putShort((short) 0).putShort((short) 0);
        // PT_LOAD: the whole file at 1 MiB, RWX.
        elf.putInt(1).putInt(7).putLong(0).putLong(LOAD).putLong(LOAD).putLong(total).putLong(total).putLong(0x1000);
        // PT_NOTE: the PVH entry, which QEMU reads as a 64-bit value after the 4-aligned name.
        elf.putInt(4).putInt(4).putLong(NOTE_OFFSET).putLong(LOAD + NOTE_OFFSET).putLong(LOAD + NOTE_OFFSET)
                .putLong(NOTE_SIZE).putLong(NOTE_SIZE).putLong(4);
        elf.putInt(4).putInt(8).putInt(XEN_ELFNOTE_PHYS32_ENTRY).put("Xen\0".getBytes(StandardCharsets.US_ASCII))
                .putLong(entry);
        elf.put(code(then, messageAddress, idtAddress)).put(message).put(new byte[6]);
        return Files.write(file, elf.array());
    }

    /**
     * 32-bit protected-mode code, as PVH enters it. The reboot delay waits for the TSC's high word to advance
     * by two: 2^33 cycles, 1.6 to 3.3 s at 2.6 GHz (TCG's TSC follows the host's).
     */
    private static byte[] code(Then then, long messageAddress, long idtAddress) {
        ByteBuffer code = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        code.put(new byte[] {0x66, (byte) 0xba, (byte) 0xf8, 0x03});          // mov dx, 0x3f8
        code.put((byte) 0xbe).putInt((int) messageAddress);                   // mov esi, message
        code.put(new byte[] {(byte) 0xac, (byte) 0x84, (byte) 0xc0,           // lodsb; test al, al
                0x74, 0x03, (byte) 0xee, (byte) 0xeb, (byte) 0xf8});          // jz +3; out dx, al; jmp back
        if (then == Then.HALT) {
            code.put(new byte[] {(byte) 0xfa, (byte) 0xf4, (byte) 0xeb, (byte) 0xfd}); // cli; hlt; jmp hlt
        } else {
            code.put(new byte[] {0x0f, 0x31, (byte) 0x8d, 0x5a, 0x02});       // rdtsc; lea ebx, [edx+2]
            code.put(new byte[] {0x0f, 0x31, 0x39, (byte) 0xda, 0x72, (byte) 0xfa}); // rdtsc; cmp edx, ebx; jb
            code.put(new byte[] {0x0f, 0x01, 0x1d}).putInt((int) idtAddress);  // lidt [empty idt]
            code.put((byte) 0xcc);                                            // int3: triple fault
        }
        byte[] bytes = new byte[code.position()];
        code.flip().get(bytes);
        return bytes;
    }
}
