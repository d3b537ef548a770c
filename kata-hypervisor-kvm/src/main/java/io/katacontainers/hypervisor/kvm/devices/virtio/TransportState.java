package io.katacontainers.hypervisor.kvm.devices.virtio;

import java.util.List;

/**
 * The registers of a virtio-mmio transport and the state of its queues, for a snapshot: the device status, the
 * features the driver accepted, the three selectors, the interrupt status the driver has not acknowledged yet, and
 * each queue. The device's configuration space is not here: every device here derives it from how it was opened.
 */
public record TransportState(int status, long driverFeatures, int deviceFeaturesSelect, int driverFeaturesSelect,
                             int queueSelect, int interruptStatus, List<QueueState> queues) {
    public TransportState {
        queues = List.copyOf(queues);
    }
}
