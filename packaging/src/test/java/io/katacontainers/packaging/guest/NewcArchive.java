package io.katacontainers.packaging.guest;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads an initramfs: a newc ("070701") cpio archive, plain or gzip'd, the way the kernel's unpacker sees it. */
record NewcArchive(List<Entry> entries) {
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    private static final int HEADER = 110;

    /** One member; {@code data} is the file's content or a symlink's target, empty otherwise. */
    record Entry(String name, int mode, int uid, int gid, long mtime, int rdevMajor, int rdevMinor, byte[] data) {
        int type() {
            return mode & S_IFMT;
        }

        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    static NewcArchive read(Path image) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(image))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(in, image);
        }
    }

    private static NewcArchive read(InputStream in, Path image) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        while (true) {
            String header = new String(in.readNBytes(HEADER), StandardCharsets.US_ASCII);
            if (!header.startsWith("070701")) {
                throw new IOException(image + ": no newc header at offset " + offset
                        + " (a plain or gzip'd newc cpio is expected, as build-initrd.sh writes by default)");
            }
            int nameSize = field(header, 11);
            int fileSize = field(header, 6);
            String name = new String(exactly(in, nameSize), StandardCharsets.UTF_8).substring(0, nameSize - 1);
            offset += HEADER + nameSize;
            offset += skipPadding(in, offset);
            byte[] data = exactly(in, fileSize);
            offset += fileSize;
            offset += skipPadding(in, offset);
            if (name.equals("TRAILER!!!")) {
                return new NewcArchive(List.copyOf(entries));
            }
            entries.add(new Entry(name, field(header, 1), field(header, 2), field(header, 3), field(header, 5),
                    field(header, 9), field(header, 10), data));
        }
    }

    /** The index-th 8-hex-digit field after the 6-character magic. */
    private static int field(String header, int index) {
        return Integer.parseUnsignedInt(header, 6 + 8 * index, 14 + 8 * index, 16);
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException("truncated cpio archive");
        }
        return bytes;
    }

    private static int skipPadding(InputStream in, long offset) throws IOException {
        int padding = (int) ((4 - offset % 4) % 4);
        exactly(in, padding);
        return padding;
    }

    Entry get(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("the initrd has no " + name));
    }

    boolean has(String name) {
        return entries.stream().anyMatch(e -> e.name().equals(name));
    }
}
