/**
 * The built-in VMM's seccomp filters: the allow-list its vCPU and device threads run under
 * ({@link io.katacontainers.hypervisor.kvm.seccomp.VmmSeccomp}), installed by each thread on itself before it runs
 * guest code or device work ({@link io.katacontainers.hypervisor.kvm.seccomp.ThreadSetup}).
 */
package io.katacontainers.hypervisor.kvm.seccomp;
