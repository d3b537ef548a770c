package io.katacontainers.hypervisor.kvm.devices.legacy;

/**
 * The registers of a {@link Serial8250} the guest driver set, for a snapshot: a restored guest's 8250 driver goes
 * on with the line settings and interrupt enables it programmed (a transmitter-empty interrupt it waits for among
 * them), without probing the UART again.
 */
public record SerialState(int ier, int lcr, int mcr, int scr, int dll, int dlm, boolean fifo,
                          boolean thrEmptyPending) {
}
