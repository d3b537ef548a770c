package io.katacontainers.ffm.kvm;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * Hand-written x86_64 layouts of the KVM structs (no jextract here). Layout and member names are the C names, so a
 * test can generate an {@code offsetof}/{@code sizeof} program from these layouts and compare with gcc. Conventions
 * that test relies on: an anonymous C union/struct is a member named {@value #ANONYMOUS}; C flexible array members
 * are zero-length sequences; unnamed padding layouts are our own and have no C counterpart.
 */
public final class KvmLayouts {
    /** Name given to C anonymous unions/structs; they do not appear in a C member path. */
    public static final String ANONYMOUS = "anonymous";

    private static final ValueLayout U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout U64 = ValueLayout.JAVA_LONG;

    public static final StructLayout KVM_REGS = structLayout(
            u64("rax"), u64("rbx"), u64("rcx"), u64("rdx"),
            u64("rsi"), u64("rdi"), u64("rsp"), u64("rbp"),
            u64("r8"), u64("r9"), u64("r10"), u64("r11"),
            u64("r12"), u64("r13"), u64("r14"), u64("r15"),
            u64("rip"), u64("rflags")).withName("kvm_regs");

    public static final StructLayout KVM_SEGMENT = structLayout(
            u64("base"), u32("limit"), u16("selector"), u8("type"),
            u8("present"), u8("dpl"), u8("db"), u8("s"), u8("l"), u8("g"), u8("avl"),
            u8("unusable"), u8("padding")).withName("kvm_segment");

    public static final StructLayout KVM_DTABLE = structLayout(
            u64("base"), u16("limit"), sequenceLayout(3, U16).withName("padding")).withName("kvm_dtable");

    public static final StructLayout KVM_SREGS = structLayout(
            KVM_SEGMENT.withName("cs"), KVM_SEGMENT.withName("ds"), KVM_SEGMENT.withName("es"),
            KVM_SEGMENT.withName("fs"), KVM_SEGMENT.withName("gs"), KVM_SEGMENT.withName("ss"),
            KVM_SEGMENT.withName("tr"), KVM_SEGMENT.withName("ldt"),
            KVM_DTABLE.withName("gdt"), KVM_DTABLE.withName("idt"),
            u64("cr0"), u64("cr2"), u64("cr3"), u64("cr4"), u64("cr8"),
            u64("efer"), u64("apic_base"),
            sequenceLayout(4, U64).withName("interrupt_bitmap")).withName("kvm_sregs");

    public static final StructLayout KVM_FPU = structLayout(
            sequenceLayout(8, sequenceLayout(16, U8)).withName("fpr"),
            u16("fcw"), u16("fsw"), u8("ftwx"), u8("pad1"), u16("last_opcode"),
            u64("last_ip"), u64("last_dp"),
            sequenceLayout(16, sequenceLayout(16, U8)).withName("xmm"),
            u32("mxcsr"), u32("pad2")).withName("kvm_fpu");

    public static final StructLayout KVM_LAPIC_STATE = structLayout(
            sequenceLayout(0x400, U8).withName("regs")).withName("kvm_lapic_state");

    public static final StructLayout KVM_MSR_ENTRY = structLayout(
            u32("index"), u32("reserved"), u64("data")).withName("kvm_msr_entry");

    /** Header only; {@code entries} (a flexible array of {@link #KVM_MSR_ENTRY}) follows. */
    public static final StructLayout KVM_MSRS = structLayout(
            u32("nmsrs"), u32("pad"), sequenceLayout(0, KVM_MSR_ENTRY).withName("entries")).withName("kvm_msrs");

    /** Header only; {@code indices} (a flexible array of u32) follows. */
    public static final StructLayout KVM_MSR_LIST = structLayout(
            u32("nmsrs"), sequenceLayout(0, U32).withName("indices")).withName("kvm_msr_list");

    public static final StructLayout KVM_CPUID_ENTRY2 = structLayout(
            u32("function"), u32("index"), u32("flags"),
            u32("eax"), u32("ebx"), u32("ecx"), u32("edx"),
            sequenceLayout(3, U32).withName("padding")).withName("kvm_cpuid_entry2");

    /** Header only; {@code entries} (a flexible array of {@link #KVM_CPUID_ENTRY2}) follows. */
    public static final StructLayout KVM_CPUID2 = structLayout(
            u32("nent"), u32("padding"), sequenceLayout(0, KVM_CPUID_ENTRY2).withName("entries"))
            .withName("kvm_cpuid2");

    public static final StructLayout KVM_USERSPACE_MEMORY_REGION = structLayout(
            u32("slot"), u32("flags"), u64("guest_phys_addr"), u64("memory_size"), u64("userspace_addr"))
            .withName("kvm_userspace_memory_region");

    public static final StructLayout KVM_IRQ_LEVEL = structLayout(
            unionLayout(u32("irq"), u32("status")).withName(ANONYMOUS), u32("level")).withName("kvm_irq_level");

    public static final StructLayout KVM_IRQFD = structLayout(
            u32("fd"), u32("gsi"), u32("flags"), u32("resamplefd"), sequenceLayout(16, U8).withName("pad"))
            .withName("kvm_irqfd");

    public static final StructLayout KVM_IOEVENTFD = structLayout(
            u64("datamatch"), u64("addr"), u32("len"), u32("fd"), u32("flags"), sequenceLayout(36, U8).withName("pad"))
            .withName("kvm_ioeventfd");

    public static final StructLayout KVM_PIT_CONFIG = structLayout(
            u32("flags"), sequenceLayout(15, U32).withName("pad")).withName("kvm_pit_config");

    public static final StructLayout KVM_CLOCK_DATA = structLayout(
            u64("clock"), u32("flags"), u32("pad0"), u64("realtime"), u64("host_tsc"),
            sequenceLayout(4, U32).withName("pad")).withName("kvm_clock_data");

    public static final StructLayout KVM_MSI = structLayout(
            u32("address_lo"), u32("address_hi"), u32("data"), u32("flags"), u32("devid"),
            sequenceLayout(12, U8).withName("pad")).withName("kvm_msi");

    public static final StructLayout KVM_INTERRUPT = structLayout(u32("irq")).withName("kvm_interrupt");

    public static final StructLayout KVM_MP_STATE = structLayout(u32("mp_state")).withName("kvm_mp_state");

    public static final StructLayout KVM_ENABLE_CAP = structLayout(
            u32("cap"), u32("flags"), sequenceLayout(4, U64).withName("args"), sequenceLayout(64, U8).withName("pad"))
            .withName("kvm_enable_cap");

    public static final StructLayout KVM_IRQ_ROUTING_IRQCHIP = structLayout(u32("irqchip"), u32("pin"))
            .withName("kvm_irq_routing_irqchip");

    public static final StructLayout KVM_IRQ_ROUTING_MSI = structLayout(
            u32("address_lo"), u32("address_hi"), u32("data"),
            unionLayout(u32("pad"), u32("devid")).withName(ANONYMOUS)).withName("kvm_irq_routing_msi");

    public static final StructLayout KVM_IRQ_ROUTING_ENTRY = structLayout(
            u32("gsi"), u32("type"), u32("flags"), u32("pad"),
            unionLayout(KVM_IRQ_ROUTING_IRQCHIP.withName("irqchip"), KVM_IRQ_ROUTING_MSI.withName("msi"),
                    sequenceLayout(8, U32).withName("pad")).withName("u")).withName("kvm_irq_routing_entry");

    /** Header only; {@code entries} (a flexible array of {@link #KVM_IRQ_ROUTING_ENTRY}) follows. */
    public static final StructLayout KVM_IRQ_ROUTING = structLayout(
            u32("nr"), u32("flags"), sequenceLayout(0, KVM_IRQ_ROUTING_ENTRY).withName("entries"))
            .withName("kvm_irq_routing");

    /** The XSAVE area (legacy 4 KiB size; KVM_GET_XSAVE2 is for larger AMX areas, which guests here do not get). */
    public static final StructLayout KVM_XSAVE = structLayout(
            sequenceLayout(1024, U32).withName("region"), sequenceLayout(0, U32).withName("extra"))
            .withName("kvm_xsave");

    /** Opaque to the VMM: saved and restored as a whole (exception, interrupt, NMI, SMI state). */
    public static final StructLayout KVM_VCPU_EVENTS = structLayout(paddingLayout(64)).withName("kvm_vcpu_events");

    public static final StructLayout KVM_DEBUGREGS = structLayout(
            sequenceLayout(4, U64).withName("db"), u64("dr6"), u64("dr7"), u64("flags"),
            sequenceLayout(9, U64).withName("reserved")).withName("kvm_debugregs");

    /** {@code chip_id}: 0 PIC master, 1 PIC slave, 2 IOAPIC; the chip's state is opaque to the VMM. */
    public static final StructLayout KVM_IRQCHIP = structLayout(
            u32("chip_id"), u32("pad"), unionLayout(sequenceLayout(512, U8).withName("dummy")).withName("chip"))
            .withName("kvm_irqchip");

    /** The three i8254 channels (opaque to the VMM), then flags. */
    public static final StructLayout KVM_PIT_STATE2 = structLayout(
            paddingLayout(72), u32("flags"), sequenceLayout(9, U32).withName("reserved")).withName("kvm_pit_state2");

    /**
     * The shared page mmapped from a vCPU fd. The exit union models the members an x86 VMM reads; its 256-byte
     * {@code padding} member fixes the union size as in C. The s390-only psw fields are absent (x86_64 build).
     */
    public static final StructLayout KVM_XCR = structLayout(u32("xcr"), u32("reserved"), u64("value"))
            .withName("kvm_xcr");

    public static final StructLayout KVM_XCRS = structLayout(
            u32("nr_xcrs"), u32("flags"), sequenceLayout(16, KVM_XCR).withName("xcrs"),
            sequenceLayout(16, U64).withName("padding")).withName("kvm_xcrs");

    public static final StructLayout KVM_RUN = structLayout(
            u8("request_interrupt_window"), u8("immediate_exit"), sequenceLayout(6, U8).withName("padding1"),
            u32("exit_reason"), u8("ready_for_interrupt_injection"), u8("if_flag"), u16("flags"),
            u64("cr8"), u64("apic_base"),
            unionLayout(
                    structLayout(u64("hardware_exit_reason")).withName("hw"),
                    structLayout(u64("hardware_entry_failure_reason"), u32("cpu"), paddingLayout(4))
                            .withName("fail_entry"),
                    structLayout(u32("exception"), u32("error_code")).withName("ex"),
                    structLayout(u8("direction"), u8("size"), u16("port"), u32("count"), u64("data_offset"))
                            .withName("io"),
                    structLayout(u64("phys_addr"), sequenceLayout(8, U8).withName("data"), u32("len"),
                            u8("is_write"), paddingLayout(3)).withName("mmio"),
                    structLayout(u64("nr"), sequenceLayout(6, U64).withName("args"), u64("ret"), u32("longmode"),
                            u32("pad")).withName("hypercall"),
                    structLayout(u32("suberror"), u32("ndata"), sequenceLayout(16, U64).withName("data"))
                            .withName("internal"),
                    structLayout(u32("type"), u32("ndata"),
                            unionLayout(u64("flags"), sequenceLayout(16, U64).withName("data")).withName(ANONYMOUS))
                            .withName("system_event"),
                    sequenceLayout(256, U8).withName("padding")).withName(ANONYMOUS),
            u64("kvm_valid_regs"), u64("kvm_dirty_regs"),
            unionLayout(sequenceLayout(2048, U8).withName("padding")).withName("s")).withName("kvm_run");

    /** Every top-level struct above, for verification against the C headers. */
    public static final List<StructLayout> ALL = List.of(
            KVM_REGS, KVM_SEGMENT, KVM_DTABLE, KVM_SREGS, KVM_FPU, KVM_LAPIC_STATE, KVM_MSR_ENTRY, KVM_MSRS,
            KVM_MSR_LIST, KVM_CPUID_ENTRY2, KVM_CPUID2, KVM_USERSPACE_MEMORY_REGION, KVM_IRQ_LEVEL, KVM_IRQFD,
            KVM_IOEVENTFD, KVM_PIT_CONFIG, KVM_CLOCK_DATA, KVM_MSI, KVM_INTERRUPT, KVM_MP_STATE, KVM_ENABLE_CAP,
            KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI, KVM_IRQ_ROUTING_ENTRY, KVM_IRQ_ROUTING, KVM_XCR, KVM_XCRS,
            KVM_XSAVE, KVM_VCPU_EVENTS, KVM_DEBUGREGS, KVM_IRQCHIP, KVM_PIT_STATE2, KVM_RUN);

    private KvmLayouts() {
    }

    /** Byte offset of a (possibly nested) member, e.g. {@code offset(KVM_RUN, ANONYMOUS, "io", "port")}. */
    public static long offset(MemoryLayout layout, String... path) {
        return layout.byteOffset(elements(path));
    }

    /**
     * A VarHandle for a (possibly nested) scalar member; coordinates are {@code (MemorySegment, long baseOffset)},
     * the base offset being where the struct starts in the segment.
     */
    public static VarHandle handle(MemoryLayout layout, String... path) {
        return layout.varHandle(elements(path));
    }

    private static PathElement[] elements(String... path) {
        PathElement[] elements = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            elements[i] = PathElement.groupElement(path[i]);
        }
        return elements;
    }

    private static ValueLayout u8(String name) {
        return U8.withName(name);
    }

    private static ValueLayout u16(String name) {
        return U16.withName(name);
    }

    private static ValueLayout u32(String name) {
        return U32.withName(name);
    }

    private static ValueLayout u64(String name) {
        return U64.withName(name);
    }
}
