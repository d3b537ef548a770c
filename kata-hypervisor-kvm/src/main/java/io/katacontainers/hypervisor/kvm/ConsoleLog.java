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
 * {@link #tail()} shows in error messages. The file is bounded: a guest that floods its console (a hostile one, or
 * a kernel in a printk loop) gets {@code maxFileBytes}, then one line saying that the rest is dropped; the ring
 * keeps following the console, so error messages still show its latest lines.
 */
final class ConsoleLog extends OutputStream {
    /** The default bound of the file: far above a verbose boot and the agent's logs of a long-lived pod. */
    static final long DEFAULT_MAX_FILE_BYTES = 16L << 20;

    private final OutputStream file;
    private final byte[] ring;
    private final long maxFileBytes;
    private long written;
    private long dropped;

    ConsoleLog(Path path, int tailBytes) throws IOException {
        this(path, tailBytes, DEFAULT_MAX_FILE_BYTES);
    }

    ConsoleLog(Path path, int tailBytes, long maxFileBytes) throws IOException {
        this.file = new BufferedOutputStream(Files.newOutputStream(path));
        this.ring = new byte[tailBytes];
        this.maxFileBytes = maxFileBytes;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        ring[(int) (written++ % ring.length)] = (byte) b;
        if (written > maxFileBytes) {
            if (dropped++ == 0) {
                file.write(("\n[console.log reached " + maxFileBytes + " bytes: the rest of the guest console is"
                        + " dropped]\n").getBytes(StandardCharsets.US_ASCII));
                file.flush();
            }
            return;
        }
        file.write(b);
        if (b == '\n') {
            file.flush();
        }
    }

    /** Bytes the guest wrote beyond the file's bound. */
    synchronized long dropped() {
        return dropped;
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
