/** Panama FFM bindings to libc and the KVM API. No business logic lives here. */
module io.katacontainers.ffm {
    exports io.katacontainers.ffm.libc;
    exports io.katacontainers.ffm.kvm;
    exports io.katacontainers.ffm.netlink;
    exports io.katacontainers.ffm.seccomp;
}
