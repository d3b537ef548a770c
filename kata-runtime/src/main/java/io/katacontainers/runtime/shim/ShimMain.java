package io.katacontainers.runtime.shim;

/** Entry point of {@code containerd-shim-kata-v2}. The task API over ttrpc is not implemented yet. */
public final class ShimMain {
    private ShimMain() {
    }

    public static void main(String[] args) {
        System.err.println("containerd-shim-kata-v2: not yet implemented; use kata-runtime check/env for now");
        System.exit(1);
    }
}
