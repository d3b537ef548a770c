package io.katacontainers.hypervisor.kvm.devices.virtio.net;

/** Frame counters of one device over all its activations; written and read on the device event loop only. */
final class NetStats {
    long rxFrames;
    long txFrames;
    long rxDropped;
    long txDropped;
    /** Times the tap became readable (or was found so) and the device looked at it. */
    long tapWakeups;
    /** Times the device stopped watching the tap because the guest had no RX buffers. */
    long rxPauses;
    /** Failures inside the device (a bug, not a guest's or the host's error). */
    long internalErrors;

    @Override
    public String toString() {
        return "rx " + rxFrames + " (dropped " + rxDropped + "), tx " + txFrames + " (dropped " + txDropped
                + "), internal errors " + internalErrors;
    }
}
