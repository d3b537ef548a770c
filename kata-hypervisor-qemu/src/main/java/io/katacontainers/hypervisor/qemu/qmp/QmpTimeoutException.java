package io.katacontainers.hypervisor.qemu.qmp;

/** QEMU did not answer before the deadline; a late answer is recognized by its id and dropped. */
public class QmpTimeoutException extends QmpException {
    private static final long serialVersionUID = 1L;

    public QmpTimeoutException(String message) {
        super(message);
    }
}
