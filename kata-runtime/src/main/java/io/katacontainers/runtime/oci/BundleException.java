package io.katacontainers.runtime.oci;

/** An OCI bundle that cannot be run; the message names the file and the problem. */
public final class BundleException extends Exception {
    public BundleException(String message) {
        super(message);
    }
}
