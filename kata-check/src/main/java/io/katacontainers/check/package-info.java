/**
 * {@code kata-runtime check}: {@link io.katacontainers.check.HostChecker} picks the checks of the host's
 * {@link io.katacontainers.check.Arch} and platform (VT-x/SVM, arm64, ppc64le, s390x, riscv64, PVM), runs them
 * against a host root (the real {@code /} or a fixture), probes {@code /dev/kvm} through
 * {@link io.katacontainers.check.KvmProbe}, and derives the verdicts of a
 * {@link io.katacontainers.check.CheckReport}, including the hypervisor and accelerator the runtime should use
 * ({@link io.katacontainers.check.HypervisorChoice}); {@link io.katacontainers.check.ReportWriter} prints it as
 * text or JSON.
 */
package io.katacontainers.check;
