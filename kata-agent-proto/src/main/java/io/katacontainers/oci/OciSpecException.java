package io.katacontainers.oci;

/** An OCI runtime spec that cannot be used; the message names the JSON path of the bad value. */
public final class OciSpecException extends Exception {
    public OciSpecException(String message) {
        super(message);
    }
}
