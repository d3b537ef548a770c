/** Panama FFM bindings to libc and the KVM API. No business logic lives here. */
module io.katacontainers.ffm {
}
