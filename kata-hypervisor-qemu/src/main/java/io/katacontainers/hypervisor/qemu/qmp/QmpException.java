package io.katacontainers.hypervisor.qemu.qmp;

/** A QMP command failed: QEMU answered with an error, did not answer in time, or the connection broke. */
public class QmpException extends Exception {
    private static final long serialVersionUID = 1L;

    public QmpException(String message) {
        super(message);
    }

    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }
}
