package io.katacontainers.ffm.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;

/**
 * KVM ioctl request numbers, computed like the kernel's {@code _IO/_IOR/_IOW/_IOWR} macros from the struct layouts in
 * {@link KvmLayouts}, so a wrong layout size shows up as a wrong request number too. Verified against
 * {@code <linux/kvm.h>} by a test. Scope: which fd each goes to is noted as system / vm / vcpu.
 */
public final class KvmIoctls {
    /** The KVM ioctl type byte ({@code KVMIO}). */
    public static final int KVMIO = 0xAE;

    // system ioctls (/dev/kvm)
    public static final long KVM_GET_API_VERSION = io(KVMIO, 0x00);
    public static final long KVM_CREATE_VM = io(KVMIO, 0x01);
    public static final long KVM_GET_MSR_INDEX_LIST = iowr(KVMIO, 0x02, KvmLayouts.KVM_MSR_LIST);
    public static final long KVM_CHECK_EXTENSION = io(KVMIO, 0x03);
    public static final long KVM_GET_VCPU_MMAP_SIZE = io(KVMIO, 0x04);
    public static final long KVM_GET_SUPPORTED_CPUID = iowr(KVMIO, 0x05, KvmLayouts.KVM_CPUID2);

    // vm ioctls
    public static final long KVM_CREATE_VCPU = io(KVMIO, 0x41);
    public static final long KVM_SET_USER_MEMORY_REGION = iow(KVMIO, 0x46, KvmLayouts.KVM_USERSPACE_MEMORY_REGION);
    public static final long KVM_SET_TSS_ADDR = io(KVMIO, 0x47);
    public static final long KVM_SET_IDENTITY_MAP_ADDR = iow(KVMIO, 0x48, Long.BYTES);
    public static final long KVM_CREATE_IRQCHIP = io(KVMIO, 0x60);
    public static final long KVM_IRQ_LINE = iow(KVMIO, 0x61, KvmLayouts.KVM_IRQ_LEVEL);
    public static final long KVM_GET_IRQCHIP = iowr(KVMIO, 0x62, KvmLayouts.KVM_IRQCHIP);
    /** Declared _IOR in the kernel headers, though the kernel reads the struct. */
    public static final long KVM_SET_IRQCHIP = ior(KVMIO, 0x63, KvmLayouts.KVM_IRQCHIP);
    public static final long KVM_IRQ_LINE_STATUS = iowr(KVMIO, 0x67, KvmLayouts.KVM_IRQ_LEVEL);
    public static final long KVM_SET_GSI_ROUTING = iow(KVMIO, 0x6a, KvmLayouts.KVM_IRQ_ROUTING);
    public static final long KVM_IRQFD = iow(KVMIO, 0x76, KvmLayouts.KVM_IRQFD);
    public static final long KVM_CREATE_PIT2 = iow(KVMIO, 0x77, KvmLayouts.KVM_PIT_CONFIG);
    public static final long KVM_IOEVENTFD = iow(KVMIO, 0x79, KvmLayouts.KVM_IOEVENTFD);
    public static final long KVM_SET_CLOCK = iow(KVMIO, 0x7b, KvmLayouts.KVM_CLOCK_DATA);
    public static final long KVM_GET_CLOCK = ior(KVMIO, 0x7c, KvmLayouts.KVM_CLOCK_DATA);
    public static final long KVM_GET_PIT2 = ior(KVMIO, 0x9f, KvmLayouts.KVM_PIT_STATE2);
    public static final long KVM_SET_PIT2 = iow(KVMIO, 0xa0, KvmLayouts.KVM_PIT_STATE2);
    public static final long KVM_SIGNAL_MSI = iow(KVMIO, 0xa5, KvmLayouts.KVM_MSI);

    // vcpu ioctls
    public static final long KVM_RUN = io(KVMIO, 0x80);
    public static final long KVM_GET_REGS = ior(KVMIO, 0x81, KvmLayouts.KVM_REGS);
    public static final long KVM_SET_REGS = iow(KVMIO, 0x82, KvmLayouts.KVM_REGS);
    public static final long KVM_GET_SREGS = ior(KVMIO, 0x83, KvmLayouts.KVM_SREGS);
    public static final long KVM_SET_SREGS = iow(KVMIO, 0x84, KvmLayouts.KVM_SREGS);
    public static final long KVM_INTERRUPT = iow(KVMIO, 0x86, KvmLayouts.KVM_INTERRUPT);
    public static final long KVM_GET_MSRS = iowr(KVMIO, 0x88, KvmLayouts.KVM_MSRS);
    public static final long KVM_SET_MSRS = iow(KVMIO, 0x89, KvmLayouts.KVM_MSRS);
    public static final long KVM_GET_FPU = ior(KVMIO, 0x8c, KvmLayouts.KVM_FPU);
    public static final long KVM_SET_FPU = iow(KVMIO, 0x8d, KvmLayouts.KVM_FPU);
    public static final long KVM_GET_LAPIC = ior(KVMIO, 0x8e, KvmLayouts.KVM_LAPIC_STATE);
    public static final long KVM_SET_LAPIC = iow(KVMIO, 0x8f, KvmLayouts.KVM_LAPIC_STATE);
    public static final long KVM_SET_CPUID2 = iow(KVMIO, 0x90, KvmLayouts.KVM_CPUID2);
    public static final long KVM_GET_CPUID2 = iowr(KVMIO, 0x91, KvmLayouts.KVM_CPUID2);
    public static final long KVM_GET_MP_STATE = ior(KVMIO, 0x98, KvmLayouts.KVM_MP_STATE);
    public static final long KVM_SET_MP_STATE = iow(KVMIO, 0x99, KvmLayouts.KVM_MP_STATE);
    public static final long KVM_SET_TSC_KHZ = io(KVMIO, 0xa2);
    public static final long KVM_GET_VCPU_EVENTS = ior(KVMIO, 0x9f, KvmLayouts.KVM_VCPU_EVENTS);
    public static final long KVM_SET_VCPU_EVENTS = iow(KVMIO, 0xa0, KvmLayouts.KVM_VCPU_EVENTS);
    public static final long KVM_GET_DEBUGREGS = ior(KVMIO, 0xa1, KvmLayouts.KVM_DEBUGREGS);
    public static final long KVM_SET_DEBUGREGS = iow(KVMIO, 0xa2, KvmLayouts.KVM_DEBUGREGS);
    public static final long KVM_GET_XSAVE = ior(KVMIO, 0xa4, KvmLayouts.KVM_XSAVE);
    public static final long KVM_SET_XSAVE = iow(KVMIO, 0xa5, KvmLayouts.KVM_XSAVE);
    public static final long KVM_GET_XCRS = ior(KVMIO, 0xa6, KvmLayouts.KVM_XCRS);
    public static final long KVM_SET_XCRS = iow(KVMIO, 0xa7, KvmLayouts.KVM_XCRS);
    public static final long KVM_GET_TSC_KHZ = io(KVMIO, 0xa3);
    /** vm and vcpu. */
    public static final long KVM_ENABLE_CAP = iow(KVMIO, 0xa3, KvmLayouts.KVM_ENABLE_CAP);

    // asm-generic/ioctl.h: nr 8 bits, type 8 bits, size 14 bits, direction 2 bits.
    private static final int NRSHIFT = 0;
    private static final int TYPESHIFT = 8;
    private static final int SIZESHIFT = 16;
    private static final int DIRSHIFT = 30;
    private static final int SIZEMASK = (1 << 14) - 1;
    private static final long IOC_NONE = 0;
    private static final long IOC_WRITE = 1;
    private static final long IOC_READ = 2;

    // Request number -> constant name, for error messages. Built once from the fields above; never mutated.
    private static final Map<Long, String> NAMES = names();

    private KvmIoctls() {
    }

    /** {@code _IOC(dir, type, nr, size)}. */
    public static long ioc(long direction, int type, int nr, long size) {
        if (size < 0 || size > SIZEMASK) {
            throw new IllegalArgumentException("ioctl argument size does not fit in 14 bits: " + size);
        }
        return (direction << DIRSHIFT) | ((long) type << TYPESHIFT) | ((long) nr << NRSHIFT) | (size << SIZESHIFT);
    }

    /** {@code _IO(type, nr)}: no argument struct. */
    public static long io(int type, int nr) {
        return ioc(IOC_NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, size)}: the kernel writes the struct. */
    public static long ior(int type, int nr, long size) {
        return ioc(IOC_READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, size)}: the kernel reads the struct. */
    public static long iow(int type, int nr, long size) {
        return ioc(IOC_WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, size)}: both. */
    public static long iowr(int type, int nr, long size) {
        return ioc(IOC_READ | IOC_WRITE, type, nr, size);
    }

    public static long ior(int type, int nr, MemoryLayout struct) {
        return ior(type, nr, struct.byteSize());
    }

    public static long iow(int type, int nr, MemoryLayout struct) {
        return iow(type, nr, struct.byteSize());
    }

    public static long iowr(int type, int nr, MemoryLayout struct) {
        return iowr(type, nr, struct.byteSize());
    }

    /**
     * The constant name of a request number, e.g. "KVM_RUN", or its hex value if unknown. KVM_GET_TSC_KHZ and
     * KVM_ENABLE_CAP differ only in direction/size, so every number here is unique.
     */
    public static String name(long request) {
        String name = NAMES.get(request);
        return name != null ? name : "0x" + Long.toHexString(request);
    }

    /** All request constants by name, e.g. for layout verification. */
    public static Map<String, Long> all() {
        Map<String, Long> byName = new TreeMap<>();
        NAMES.forEach((number, name) -> byName.put(name, number));
        return Map.copyOf(byName);
    }

    private static Map<Long, String> names() {
        Map<Long, String> names = new TreeMap<>();
        for (Field field : KvmIoctls.class.getDeclaredFields()) {
            int m = field.getModifiers();
            if (Modifier.isPublic(m) && Modifier.isStatic(m) && field.getType() == long.class
                    && field.getName().startsWith("KVM_")) {
                try {
                    String previous = names.put(field.getLong(null), field.getName());
                    if (previous != null) {
                        throw new IllegalStateException("duplicate ioctl number: " + previous + " and "
                                + field.getName());
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("public constant not readable: " + field.getName(), e);
                }
            }
        }
        return Map.copyOf(names);
    }
}
