package io.katacontainers.hypervisor.kvm.devices.virtio.block;

import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One virtio-blk request: a 16-byte readable header (type, reserved, sector), data buffers, and a final writable
 * status byte. Every sector range is checked against the capacity before the file is touched; a malformed request
 * gets IOERR (or, without room for a status byte, nothing) and the device goes on.
 */
final class Request {
    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;
    static final int HEADER_SIZE = 16;
    static final int ID_BYTES = 20;

    private static final System.Logger LOG = System.getLogger(Request.class.getName());

    private final DescriptorChain chain;
    private final FileChannel file;
    private final long capacitySectors;
    private final boolean readOnly;
    private final byte[] id;
    private final Path path;
    private final GuestErrorLog guestErrors;

    Request(DescriptorChain chain, FileChannel file, long capacitySectors, boolean readOnly, byte[] id, Path path,
            GuestErrorLog guestErrors) {
        this.chain = chain;
        this.file = file;
        this.capacitySectors = capacitySectors;
        this.readOnly = readOnly;
        this.id = id;
        this.path = path;
        this.guestErrors = guestErrors;
    }

    /** Carries the request out; returns the byte count written into the chain (data plus the status byte). */
    long execute() {
        ChainCursor in = chain.readable();
        ChainCursor out = chain.writable();
        byte[] header = new byte[HEADER_SIZE];
        if (out.remaining() == 0 || in.read(header, 0, HEADER_SIZE) != HEADER_SIZE) {
            guestErrors.warn("{0}: dropping a request without header or status byte (chain head {1})", path,
                    chain.head());
            return 0;
        }
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        long dataOut = out.remaining() - 1;
        long written = 0;
        byte status;
        try {
            status = switch (type) {
                case T_IN -> checkRange(sector, dataOut) ? transfer(sector, out, dataOut, true) : S_IOERR;
                case T_OUT -> readOnly || !checkRange(sector, in.remaining()) ? S_IOERR
                        : transfer(sector, in, in.remaining(), false);
                case T_FLUSH -> flush();
                case T_GET_ID -> S_OK;
                default -> S_UNSUPP;
            };
            if (type == T_IN && status == S_OK) {
                written = dataOut;
            } else if (type == T_GET_ID) {
                written = out.write(Arrays.copyOf(id, ID_BYTES), 0, (int) Math.min(ID_BYTES, dataOut));
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, path + ": I/O error for request type " + type + " at sector " + sector, e);
            status = S_IOERR;
        }
        writeStatus(chain.writable(), status);
        return written + 1;
    }

    private boolean checkRange(long sector, long bytes) {
        if (bytes % BlockDevice.SECTOR_SIZE != 0 || sector < 0 || sector > capacitySectors
                || bytes / BlockDevice.SECTOR_SIZE > capacitySectors - sector) {
            guestErrors.warn("{0}: refusing {1} bytes at sector {2} of {3}", path, Long.toString(bytes),
                    Long.toUnsignedString(sector), Long.toString(capacitySectors));
            return false;
        }
        return true;
    }

    /** Moves {@code bytes} between the chain and the file at {@code sector}: into the guest when {@code read}. */
    private byte transfer(long sector, ChainCursor data, long bytes, boolean read) throws IOException {
        long position = sector * BlockDevice.SECTOR_SIZE;
        long done = 0;
        while (done < bytes) {
            MemorySegment segment = data.next(bytes - done);
            ByteBuffer buffer = segment.asByteBuffer();
            while (buffer.hasRemaining()) {
                int n = read ? file.read(buffer, position + done + buffer.position())
                        : file.write(buffer, position + done + buffer.position());
                if (n < 0) {
                    throw new IOException("end of file at " + (position + done + buffer.position()));
                }
            }
            done += segment.byteSize();
        }
        return S_OK;
    }

    private byte flush() throws IOException {
        if (!readOnly) {
            file.force(false);
        }
        return S_OK;
    }

    /** The status is the last writable byte of the chain. */
    private static void writeStatus(ChainCursor out, byte status) {
        out.skip(out.remaining() - 1);
        out.write(new byte[] {status}, 0, 1);
    }
}
