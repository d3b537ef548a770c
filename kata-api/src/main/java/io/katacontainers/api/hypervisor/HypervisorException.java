package io.katacontainers.api.hypervisor;

/** A VM could not be created, started or controlled; the message says why and what to check. */
public class HypervisorException extends Exception {
    public HypervisorException(String message) {
        super(message);
    }

    public HypervisorException(String message, Throwable cause) {
        super(message, cause);
    }
}
