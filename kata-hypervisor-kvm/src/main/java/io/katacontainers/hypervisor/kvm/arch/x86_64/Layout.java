package io.katacontainers.hypervisor.kvm.arch.x86_64;

/**
 * Where the VMM places boot structures and devices in guest-physical memory (Firecracker's layout, which Linux
 * expects: everything below 1 MiB that a BIOS would own is ours).
 */
public final class Layout {
    /** The boot GDT (five descriptors). */
    public static final long GDT_START = 0x500;
    /** An empty IDT: the guest installs its own before enabling interrupts. */
    public static final long IDT_START = 0x520;
    /** PVH: struct hvm_start_info, then the module list. */
    public static final long PVH_INFO_START = 0x6000;
    public static final long PVH_MODLIST_START = 0x6040;
    /** Linux boot protocol: the zero page (boot_params); PVH: its memory map (the two never coexist). */
    public static final long ZERO_PAGE_START = 0x7000;
    public static final long PVH_MEMMAP_START = 0x7000;
    /** Initial stack of the 64-bit Linux entry. */
    public static final long BOOT_STACK_POINTER = 0x8ff0;
    /** Identity-mapped page tables for the 64-bit entry: PML4, PDPT, PD (first GiB in 2 MiB pages). */
    public static final long PML4_START = 0x9000;
    public static final long PDPTE_START = 0xa000;
    public static final long PDE_START = 0xb000;
    /** The kernel command line (Linux's COMMAND_LINE_SIZE on x86 is 2048 including the NUL). */
    public static final long CMDLINE_START = 0x20000;
    public static final int CMDLINE_MAX_SIZE = 2048;
    /** Extended BIOS data area; the MP table lives at its start, where Linux scans for it. */
    public static final long EBDA_START = 0x9fc00;
    /** First byte above the legacy BIOS area; bzImage kernels load here. */
    public static final long HIMEM_START = 0x100000;
    /** virtio-mmio devices: one 4 KiB window each from here, inside the 32-bit hole. */
    public static final long MMIO_DEVICES_START = 0xd000_0000L;
    public static final long MMIO_DEVICE_SIZE = 0x1000;
    public static final long IOAPIC_ADDRESS = 0xfec0_0000L;
    public static final long LAPIC_ADDRESS = 0xfee0_0000L;
    /** IOAPIC inputs: 0-15 ISA (4 is COM1), 5 and up are free for virtio-mmio devices except 8 (RTC). */
    public static final int IRQ_MAX = 23;
    public static final int FIRST_DEVICE_IRQ = 5;

    private Layout() {
    }
}
