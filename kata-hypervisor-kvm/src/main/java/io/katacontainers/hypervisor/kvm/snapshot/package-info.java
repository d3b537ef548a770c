/**
 * Snapshots of the built-in VMM and restores into new VMs (the built-in VMM's half of VM templates): the state of
 * the KVM VM (irqchip, PIT, clock), of every vCPU (registers, MSRs, LAPIC, XSAVE...), of every virtio-mmio device and
 * queue, and the guest memory, in a versioned format that names the build, host kernel and CPU it came from and
 * refuses any other ({@link io.katacontainers.hypervisor.kvm.snapshot.SnapshotCodec}).
 */
package io.katacontainers.hypervisor.kvm.snapshot;
