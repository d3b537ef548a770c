package io.katacontainers.hypervisor.kvm.devices.virtio;

/** Numbers from the virtio 1.x specification shared by the transport and the devices. */
public final class Virtio {
    /** Device status bits (virtio 1.x section 2.1). */
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    /** Feature bit 28: the driver may use indirect descriptor tables. */
    public static final long F_RING_INDIRECT_DESC = 1L << 28;

    /** Feature bit 32: the device follows virtio 1.x (not the legacy interface); this transport requires it. */
    public static final long F_VERSION_1 = 1L << 32;

    /** Device ids (virtio 1.x section 5). */
    public static final int ID_NET = 1;
    public static final int ID_BLOCK = 2;
    public static final int ID_CONSOLE = 3;
    public static final int ID_RNG = 4;
    public static final int ID_VSOCK = 19;
    public static final int ID_FS = 26;

    private Virtio() {
    }
}
