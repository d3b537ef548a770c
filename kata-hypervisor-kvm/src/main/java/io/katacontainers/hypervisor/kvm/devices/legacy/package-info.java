/** Legacy devices: the 8250 serial port (COM1), the i8042 controller (for the guest's reset) and the CMOS RTC. */
package io.katacontainers.hypervisor.kvm.devices.legacy;
