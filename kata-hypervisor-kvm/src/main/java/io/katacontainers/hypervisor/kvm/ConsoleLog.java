package io.katacontainers.hypervisor.kvm;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guest console: every byte the serial port transmits goes to {@code console.log} in the VM's run directory
 * (flushed at each newline, so the file is readable while the guest runs) and into a ring of the last bytes, which
 * {@link #tail()} shows in error messages.
 */
final class ConsoleLog extends OutputStream {
    private final OutputStream file;
    private final byte[] ring;
    private long written;

    ConsoleLog(Path path, int tailBytes) throws IOException {
        this.file = new BufferedOutputStream(Files.newOutputStream(path));
        this.ring = new byte[tailBytes];
    }

    @Override
    public synchronized void write(int b) throws IOException {
        ring[(int) (written++ % ring.length)] = (byte) b;
        file.write(b);
        if (b == '\n') {
            file.flush();
        }
    }

    /** The last complete lines (and a trailing partial one) the guest printed. */
    synchronized String tail() {
        int length = (int) Math.min(written, ring.length);
        byte[] bytes = new byte[length];
        int start = (int) ((written - length) % ring.length);
        for (int i = 0; i < length; i++) {
            bytes[i] = ring[(start + i) % ring.length];
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        return written > ring.length && newline >= 0 ? text.substring(newline + 1) : text;
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
