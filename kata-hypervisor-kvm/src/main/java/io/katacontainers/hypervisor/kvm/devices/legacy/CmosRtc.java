package io.katacontainers.hypervisor.kvm.devices.legacy;

import io.katacontainers.hypervisor.kvm.devices.BusDevice;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The MC146818 real-time clock and CMOS RAM behind ports 0x70 (index) and 0x71 (data), as far as Linux reads it:
 * the current UTC time in BCD, 24-hour mode, never "update in progress", battery good. Without it the kernel's
 * rtc-cmos probe sees all ones, waits for an update that never ends and gives up after seconds. Guest writes to
 * the time registers are ignored (the agent sets the guest clock); other bytes are plain CMOS RAM.
 */
public final class CmosRtc implements BusDevice {
    public static final int BASE_PORT = 0x70;
    public static final int PORT_COUNT = 2;
    /** The RTC's ISA IRQ: no other device may take it, even though this model raises no interrupts. */
    public static final int IRQ = 8;

    static final int SECONDS = 0x00;
    static final int MINUTES = 0x02;
    static final int HOURS = 0x04;
    static final int WEEKDAY = 0x06;
    static final int DAY = 0x07;
    static final int MONTH = 0x08;
    static final int YEAR = 0x09;
    static final int STATUS_A = 0x0a;
    static final int STATUS_B = 0x0b;
    static final int STATUS_C = 0x0c;
    static final int STATUS_D = 0x0d;
    static final int CENTURY = 0x32;

    /** 32.768 kHz time base, 1024 Hz periodic rate; bit 7 (update in progress) always clear. */
    static final int STATUS_A_VALUE = 0x26;
    /** 24-hour mode, BCD. */
    static final int STATUS_B_VALUE = 0x02;
    /** Valid RAM and time: the battery is fine. */
    static final int STATUS_D_VALID = 0x80;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;

    public CmosRtc(Clock clock) {
        this.clock = clock;
        ram[STATUS_A] = STATUS_A_VALUE;
        ram[STATUS_B] = STATUS_B_VALUE;
        ram[STATUS_D] = (byte) STATUS_D_VALID;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == 0) {
            return index;
        }
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
        return switch (index) {
            case SECONDS -> bcd(now.getSecond());
            case MINUTES -> bcd(now.getMinute());
            case HOURS -> bcd(now.getHour());
            case WEEKDAY -> bcd(now.getDayOfWeek().getValue() % 7 + 1);
            case DAY -> bcd(now.getDayOfMonth());
            case MONTH -> bcd(now.getMonthValue());
            case YEAR -> bcd(now.getYear() % 100);
            case CENTURY -> bcd(now.getYear() / 100);
            case STATUS_C -> 0;
            default -> Byte.toUnsignedInt(ram[index]);
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) (value & 0xff);
        if (offset == 0) {
            index = v & 0x7f; // bit 7 masks NMIs on real hardware
            return;
        }
        switch (index) {
            case SECONDS, MINUTES, HOURS, WEEKDAY, DAY, MONTH, YEAR, CENTURY, STATUS_A, STATUS_C, STATUS_D -> {
                // The clock and the status registers are ours.
            }
            case STATUS_B -> ram[STATUS_B] = (byte) ((v & ~0x06) | STATUS_B_VALUE); // keep 24h BCD
            default -> ram[index] = (byte) v;
        }
    }

    private static int bcd(int value) {
        return ((value / 10) << 4) | (value % 10);
    }
}
