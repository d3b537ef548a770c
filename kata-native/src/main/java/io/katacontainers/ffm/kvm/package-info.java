/**
 * The KVM API through FFM: {@link io.katacontainers.ffm.kvm.KvmSystem} ({@code /dev/kvm}),
 * {@link io.katacontainers.ffm.kvm.KvmVm} and {@link io.katacontainers.ffm.kvm.KvmVcpu} own their descriptors and
 * issue the ioctls of {@link io.katacontainers.ffm.kvm.KvmIoctls}; the structs ({@code kvm_regs}, {@code kvm_sregs},
 * {@code kvm_run}, CPUID and MSR entries, memory regions) are laid out by hand in
 * {@link io.katacontainers.ffm.kvm.KvmLayouts} and checked against the kernel headers by a test.
 */
package io.katacontainers.ffm.kvm;
