package io.katacontainers.hypervisor.qemu.qmp;

/** QEMU closed the QMP connection: it exited, or is exiting. */
public class QmpDisconnectedException extends QmpException {
    private static final long serialVersionUID = 1L;

    public QmpDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
