package io.katacontainers.hypervisor.kvm.tool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds tiny PVH "kernels" for tests and the exit-cost benchmark: an ELF64 with one PT_LOAD at 1 MiB and the Xen
 * PHYS32_ENTRY note, whose 32-bit protected-mode code is assembled here from a few instructions. Enough to drive
 * the real boot path, the buses and the vCPU control on a host whose KVM cannot boot Linux.
 */
public final class TinyPvhImage {
    public static final long LOAD = 0x100000;
    private static final int EHDR = 64;
    private static final int PHDR = 56;
    private static final int NOTE_OFFSET = EHDR + 2 * PHDR;
    private static final int NOTE_SIZE = 12 + 4 + 8;
    private static final int CODE_OFFSET = NOTE_OFFSET + NOTE_SIZE;
    /** A scratch word 2 KiB into the image, well after any code here. */
    private static final int DATA_OFFSET = 0x800;
    public static final long DATA_ADDRESS = LOAD + DATA_OFFSET;

    private final ByteArrayOutputStream code = new ByteArrayOutputStream();

    /** Prints {@code text} on COM1, one OUT per byte. */
    public TinyPvhImage print(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        bytes(0x66, 0xba, 0xf8, 0x03);                     // mov dx, 0x3f8
        for (byte b : bytes) {
            bytes(0xb0, b & 0xff, 0xee);                    // mov al, b; out dx, al
        }
        return this;
    }

    /** {@code count} byte writes to {@code port} in a loop (ecx counts down). */
    public TinyPvhImage outLoop(int port, int count) {
        bytes(0x66, 0xba, port & 0xff, port >> 8);         // mov dx, port
        bytes(0xb9);
        int32(count);                                       // mov ecx, count
        bytes(0xee, 0x49, 0x75, 0xfc);                      // l: out dx, al; dec ecx; jnz l
        return this;
    }

    /** Loads 32 bits from {@code address} (MMIO or RAM) and prints the low byte on COM1. */
    public TinyPvhImage printByteAt(long address) {
        bytes(0xa1);
        int32((int) address);                               // mov eax, [address]
        bytes(0x66, 0xba, 0xf8, 0x03, 0xee);                // mov dx, 0x3f8; out dx, al
        return this;
    }

    /** Stores a 32-bit {@code value} at {@code address}. */
    public TinyPvhImage store(long address, int value) {
        bytes(0xc7, 0x05);
        int32((int) address);
        int32(value);                                       // mov dword [address], value
        return this;
    }

    /** Increments the 32-bit counter at {@code address} forever, without any exit. */
    public TinyPvhImage spinCounting(long address) {
        bytes(0xff, 0x05);
        int32((int) address);                               // l: inc dword [address]
        bytes(0xeb, 0xf8);                                  // jmp l
        return this;
    }

    /** Pulses the CPU reset line through the i8042 (what Linux's reboot=k does). */
    public TinyPvhImage resetThroughI8042() {
        bytes(0xb0, 0xfe, 0xe6, 0x64);                      // mov al, 0xfe; out 0x64, al
        return halt();
    }

    /** cli; hlt: without the in-kernel irqchip this exits to the VMM for good. */
    public TinyPvhImage halt() {
        bytes(0xfa, 0xf4, 0xeb, 0xfd);                      // cli; hlt; jmp hlt
        return this;
    }

    public Path write(Path file) throws IOException {
        byte[] body = code.toByteArray();
        if (CODE_OFFSET + body.length > DATA_OFFSET) {
            throw new IllegalStateException("tiny guest code too long: " + body.length);
        }
        int total = DATA_OFFSET + 16;
        long entry = LOAD + CODE_OFFSET;
        ByteBuffer elf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        elf.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0}).put(new byte[8]);
        elf.putShort((short) 2).putShort((short) 62).putInt(1).putLong(entry).putLong(EHDR).putLong(0)
                .putInt(0).putShort((short) EHDR).putShort((short) PHDR)
                .putShort((short) 2).putShort((short) 64).putShort((short) 0).putShort((short) 0);
        elf.putInt(1).putInt(7).putLong(0).putLong(LOAD).putLong(LOAD).putLong(total).putLong(total).putLong(0x1000);
        elf.putInt(4).putInt(4).putLong(NOTE_OFFSET).putLong(LOAD + NOTE_OFFSET).putLong(LOAD + NOTE_OFFSET)
                .putLong(NOTE_SIZE).putLong(NOTE_SIZE).putLong(4);
        elf.putInt(4).putInt(8).putInt(18).put("Xen\0".getBytes(StandardCharsets.US_ASCII)).putLong(entry);
        elf.put(body);
        return Files.write(file, elf.array());
    }

    private void bytes(int... values) {
        for (int v : values) {
            code.write(v);
        }
    }

    private void int32(int v) {
        bytes(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    }
}
