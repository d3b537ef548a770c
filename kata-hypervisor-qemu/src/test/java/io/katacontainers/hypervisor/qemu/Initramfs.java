package io.katacontainers.hypervisor.qemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes an uncompressed cpio "newc" archive, the format the kernel unpacks as its initramfs. */
final class Initramfs {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int inode = 1;

    Initramfs directory(String name) {
        return entry(name, 040755, 0, 0, new byte[0]);
    }

    Initramfs file(String name, int permissions, byte[] content) {
        return entry(name, 0100000 | permissions, 0, 0, content);
    }

    /** A character device node, e.g. /dev/console (5, 1), which init needs before devtmpfs is mounted. */
    Initramfs charDevice(String name, int major, int minor) {
        return entry(name, 020600, major, minor, new byte[0]);
    }

    Path write(Path file) throws IOException {
        entry("TRAILER!!!", 0, 0, 0, new byte[0]);
        return Files.write(file, out.toByteArray());
    }

    private Initramfs entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] content) {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.US_ASCII);
        long[] fields = {inode++, mode, 0, 0, 1, 0, content.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0};
        StringBuilder header = new StringBuilder("070701");
        for (long field : fields) {
            header.append(String.format("%08x", field));
        }
        out.writeBytes(header.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(nameBytes);
        pad();
        out.writeBytes(content);
        pad();
        return this;
    }

    private void pad() {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }
}
