package io.katacontainers.hypervisor.kvm.devices.virtio.pmem;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.Mapping;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain;
import io.katacontainers.hypervisor.kvm.devices.virtio.GuestErrorLog;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * virtio-pmem (device id 27): a host file that the guest sees as persistent memory at a fixed guest-physical range
 * (the configuration space says where: {@code start}, {@code size}). The VMM maps the file shared and read-only and
 * registers the mapping as a read-only KVM memory slot ({@link #mapping()}), so the guest reads the file's pages
 * straight from the host's page cache, one copy however many VMs map it; a guest write to the range exits to the
 * VMM instead of reaching the file. The one queue carries flush requests ({@code struct virtio_pmem_req}: a
 * little-endian type, 0 = flush), answered with {@code struct virtio_pmem_resp} (0 = done): the file cannot
 * change through this device, so there is nothing to write back.
 */
public final class PmemDevice implements VirtioDevice {
    /** virtio 1.x section 5.19. */
    public static final int ID_PMEM = 27;
    static final int QUEUE_SIZE = 64;
    static final int REQ_FLUSH = 0;
    static final int RESP_OK = 0;
    static final int RESP_ERROR = 1;
    /**
     * The guest maps the range with struct pages in 2 MiB sections (ZONE_DEVICE subsections): its start and size
     * must be multiples of that.
     */
    public static final long ALIGNMENT = 2L * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(PmemDevice.class.getName());

    private final Path path;
    private final long guestAddress;
    private final Mapping mapping;
    private final GuestErrorLog guestErrors = new GuestErrorLog(LOG);

    private PmemDevice(Path path, long guestAddress, Mapping mapping) {
        this.path = path;
        this.guestAddress = guestAddress;
        this.mapping = mapping;
    }

    /**
     * Maps {@code path} (read-only, shared) for a guest-physical range at {@code guestAddress}.
     *
     * @throws IOException if the file cannot be opened or mapped, is empty, or its size is not a multiple of 2 MiB
     *                     (the guest could not map it), or {@code guestAddress} is not 2 MiB aligned
     */
    public static PmemDevice open(Path path, long guestAddress) throws IOException {
        if (guestAddress % ALIGNMENT != 0) {
            throw new IllegalArgumentException("a pmem range must start 2 MiB aligned, not at 0x"
                    + Long.toHexString(guestAddress));
        }
        try (Fd fd = Libc.open(path, Libc.O_RDONLY | Libc.O_CLOEXEC)) {
            long size = Files.size(path);
            if (size == 0 || size % ALIGNMENT != 0) {
                throw new IOException("guest root image " + path + " is " + size + " bytes: a pmem image must be a"
                        + " non-empty multiple of 2 MiB (the guest build makes such images; was it cut short?)");
            }
            // The mapping outlives the descriptor (mmap keeps its own reference to the file).
            Mapping mapping = Libc.mmap(size, Libc.PROT_READ, Libc.MAP_SHARED, fd.get(), 0);
            return new PmemDevice(path, guestAddress, mapping);
        } catch (SyscallException e) {
            throw new IOException("cannot map the guest root image " + path + ": " + e.getMessage(), e);
        }
    }

    /** The file's pages as mapped in this process, to register as a read-only memory slot at {@link #guestAddress}. */
    public MemorySegment mapping() {
        return mapping.segment();
    }

    public long guestAddress() {
        return guestAddress;
    }

    public long size() {
        return mapping.segment().byteSize();
    }

    @Override
    public int deviceType() {
        return ID_PMEM;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    /** {@code struct virtio_pmem_config}: le64 start, le64 size. */
    @Override
    public byte[] config() {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(guestAddress).putLong(size()).array();
    }

    @Override
    public void activate(Activation activation) throws IOException {
        activation.serveQueue(0, this::answer);
    }

    /** One request: 4 bytes of type in, 4 bytes of result out; anything shorter is dropped unanswered. */
    long answer(DescriptorChain chain) {
        ChainCursor in = chain.readable();
        ChainCursor out = chain.writable();
        byte[] request = new byte[4];
        if (in.read(request, 0, request.length) != request.length || out.remaining() < 4) {
            guestErrors.warn("{0}: dropping a pmem request without type or room for the result (chain head {1})",
                    path, chain.head());
            return 0;
        }
        int type = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int result = RESP_OK;
        if (type != REQ_FLUSH) {
            guestErrors.warn("{0}: unknown pmem request type {1}", path, Integer.toString(type));
            result = RESP_ERROR;
        }
        byte[] response = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(result).array();
        return out.write(response, 0, response.length);
    }

    @Override
    public void reset() {
        // Nothing outlives a request.
    }

    @Override
    public void close() throws IOException {
        try {
            mapping.close();
        } catch (SyscallException e) {
            throw new IOException("cannot unmap " + path + ": " + e.getMessage(), e);
        }
    }
}
