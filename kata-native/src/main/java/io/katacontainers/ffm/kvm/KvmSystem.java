package io.katacontainers.ffm.kvm;

import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The KVM subsystem ({@code /dev/kvm}): system-level queries and VM creation. Owns the device fd. */
public final class KvmSystem implements AutoCloseable {
    /** The usual device node. */
    public static final Path DEFAULT_DEVICE = Path.of("/dev/kvm");
    /** The only stable KVM API version; anything else means an incompatible kernel. */
    public static final int STABLE_API_VERSION = 12;

    // Upper bound when asking for CPUID leaves: the kernel answers E2BIG if the buffer is too small.
    private static final int MAX_CPUID_ENTRIES = 256;

    private final Fd fd;

    private KvmSystem(Fd fd) {
        this.fd = fd;
    }

    /** Opens the KVM device read-write and close-on-exec. */
    public static KvmSystem open(Path device) throws SyscallException {
        return new KvmSystem(Libc.open(device, Libc.O_RDWR | Libc.O_CLOEXEC));
    }

    /** KVM_GET_API_VERSION; {@link #STABLE_API_VERSION} on every kernel since 2.6.22. */
    public int apiVersion() throws SyscallException {
        return ioctl(KvmIoctls.KVM_GET_API_VERSION, 0);
    }

    /** KVM_CHECK_EXTENSION on the system fd: 0 if unsupported, otherwise 1 or a capability-specific value. */
    public int checkExtension(int cap) throws SyscallException {
        return ioctl(KvmIoctls.KVM_CHECK_EXTENSION, cap);
    }

    /** KVM_GET_VCPU_MMAP_SIZE: bytes to mmap from each vCPU fd (kvm_run plus trailing pages). */
    public int vcpuMmapSize() throws SyscallException {
        return ioctl(KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0);
    }

    /** KVM_GET_SUPPORTED_CPUID: the CPUID leaves KVM can expose to guests on this host. */
    public List<CpuidEntry> supportedCpuid() throws SyscallException {
        long entrySize = KvmLayouts.KVM_CPUID_ENTRY2.byteSize();
        long header = KvmLayouts.KVM_CPUID2.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(header + MAX_CPUID_ENTRIES * entrySize, Long.BYTES);
            buffer.set(ValueLayout.JAVA_INT, KvmLayouts.offset(KvmLayouts.KVM_CPUID2, "nent"), MAX_CPUID_ENTRIES);
            ioctl(KvmIoctls.KVM_GET_SUPPORTED_CPUID, buffer);
            int count = buffer.get(ValueLayout.JAVA_INT, KvmLayouts.offset(KvmLayouts.KVM_CPUID2, "nent"));
            List<CpuidEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(CpuidEntry.read(buffer, header + i * entrySize));
            }
            return List.copyOf(entries);
        }
    }

    /**
     * KVM_GET_MSR_INDEX_LIST: MSRs KVM saves/restores. The first call with room for none reports the count (E2BIG).
     */
    public List<Integer> msrIndexList() throws SyscallException {
        long header = KvmLayouts.KVM_MSR_LIST.byteSize();
        long nmsrs = KvmLayouts.offset(KvmLayouts.KVM_MSR_LIST, "nmsrs");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment probe = arena.allocate(KvmLayouts.KVM_MSR_LIST);
            try {
                ioctl(KvmIoctls.KVM_GET_MSR_INDEX_LIST, probe);
                return List.of();
            } catch (SyscallException e) {
                if (!e.is(Errno.E2BIG)) {
                    throw e;
                }
            }
            int count = probe.get(ValueLayout.JAVA_INT, nmsrs);
            MemorySegment list = arena.allocate(header + (long) count * Integer.BYTES, Integer.BYTES);
            list.set(ValueLayout.JAVA_INT, nmsrs, count);
            ioctl(KvmIoctls.KVM_GET_MSR_INDEX_LIST, list);
            int returned = list.get(ValueLayout.JAVA_INT, nmsrs);
            List<Integer> indices = new ArrayList<>(returned);
            for (int i = 0; i < returned; i++) {
                indices.add(list.get(ValueLayout.JAVA_INT, header + (long) i * Integer.BYTES));
            }
            return List.copyOf(indices);
        }
    }

    /** KVM_CREATE_VM (default machine type). The VM stays valid after this system handle is closed. */
    public KvmVm createVm() throws SyscallException {
        int mmapSize = vcpuMmapSize();
        return new KvmVm(Fd.adopt(ioctl(KvmIoctls.KVM_CREATE_VM, 0)), mmapSize);
    }

    /** Raw ioctl on the system fd with an integer argument; failures name the request. */
    public int ioctl(long request, long arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    /** Raw ioctl on the system fd with a struct argument; failures name the request. */
    public int ioctl(long request, MemorySegment arg) throws SyscallException {
        return Libc.ioctl(fd.get(), request, arg, KvmIoctls.name(request));
    }

    @Override
    public void close() throws SyscallException {
        fd.close();
    }
}
