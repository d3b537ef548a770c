/**
 * virtio over MMIO for the built-in VMM: the transport
 * ({@link io.katacontainers.hypervisor.kvm.devices.virtio.MmioTransport}), split virtqueues whose every guest address
 * is checked ({@link io.katacontainers.hypervisor.kvm.devices.virtio.Queue},
 * {@link io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain}), the device thread
 * ({@link io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop}), and one package per device (blk, rng, vsock).
 *
 * <h2>Wiring a device into the VM</h2>
 * <pre>{@code
 * EventLoop loop = EventLoop.start("virtio");                        // one device thread for all devices
 * MmioTransport t = new MmioTransport("vsock", VsockDevice.open(path, 3), memory, loop);
 * mmioBus.register(base, MmioTransport.WINDOW_SIZE, t);               // one 4 KiB window
 * vm.registerIrqfd(t.interrupt().eventFd(), irq);                     // one IRQ line
 * for (int q = 0; q < t.queueEvents().size(); q++) {                  // notifications without a VM exit
 *     vm.registerIoeventfd(t.queueEvents().get(q), base + MmioTransport.QUEUE_NOTIFY, 4,
 *             KvmVm.KVM_IOEVENTFD_FLAG_DATAMATCH, q);
 * }
 * // kernel command line: virtio_mmio.device=4K@0x<base>:<irq>
 * // shutdown: stop the vCPUs, t.close() (resets the device on the loop), then loop.close()
 * }</pre>
 * Without the ioeventfds the transport still works: a QueueNotify write that reaches it signals the same eventfd.
 *
 * <h2>Writing a device</h2>
 * Implement {@link io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice}. On DRIVER_OK the transport calls
 * {@code activate(Activation)} on the event loop with every queue set up and checked against guest RAM. An in-process
 * device pops chains there ({@code activation.serveQueue} for request/response queues, or
 * {@code onQueueNotify} plus {@link io.katacontainers.hypervisor.kvm.devices.virtio.Queue#pop} for more). A vhost-user
 * front end instead sends each queue's {@code size()}, {@code descriptorTable()}, {@code availableRing()},
 * {@code usedRing()} and {@code activation.queueEvents().get(i)} (the kick fd) to its back end, watches the back end's
 * call eventfds with {@code activation.watch} and raises {@code activation.interrupt().signalUsedBuffer()} for them.
 * Guest mistakes surface as {@link io.katacontainers.hypervisor.kvm.devices.virtio.InvalidQueueException}; answer
 * them with {@code activation.needsReset(reason)}, never with an exception out of the VMM.
 */
package io.katacontainers.hypervisor.kvm.devices.virtio;
