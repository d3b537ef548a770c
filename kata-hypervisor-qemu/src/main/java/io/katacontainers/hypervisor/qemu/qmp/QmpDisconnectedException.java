package io.katacontainers.hypervisor.qemu.qmp;

/** QEMU closed the QMP connection: it exited, or is exiting. */
public class QmpDisconnectedException extends QmpException {
    public QmpDisconnectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
