package io.katacontainers.hypervisor.kvm.vstate;

/** Why the VM ended on its own (not because the VMM asked it to stop): a vCPU's end, or a lost device back end. */
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

    /**
     * A device's back end the guest cannot do without went away (virtiofsd exited: the root filesystems and volumes
     * are gone, and every access to them would hang): the VMM stops the VM, as Kata does. Not a vCPU's doing.
     */
    record BackEndLost(String device, String reason) implements VcpuExit {
        @Override
        public int vcpu() {
            return -1;
        }

        @Override
        public String describe() {
            return device + ": " + reason;
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
