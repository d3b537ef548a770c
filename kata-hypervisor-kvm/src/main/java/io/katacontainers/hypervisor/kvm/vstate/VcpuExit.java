package io.katacontainers.hypervisor.kvm.vstate;

/** Why a vCPU thread ended on its own (not because the VMM asked it to stop). */
public sealed interface VcpuExit {
    int vcpu();

    String describe();

    /** The guest shut down, reset or halted for good: a normal end of the VM. */
    record GuestShutdown(int vcpu, String reason) implements VcpuExit {
        @Override
        public String describe() {
            return "vCPU " + vcpu + ": guest " + reason;
        }
    }

    /** KVM or the VMM failed (entry failure, emulation error, a device bug): the VM cannot go on. */
    record Failure(int vcpu, Exception error) implements VcpuExit {
        @Override
        public String describe() {
            return "vCPU " + vcpu + " failed: " + error.getMessage();
        }
    }
}
