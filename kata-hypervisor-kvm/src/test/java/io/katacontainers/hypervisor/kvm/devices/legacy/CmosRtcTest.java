package io.katacontainers.hypervisor.kvm.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class CmosRtcTest {
    private final CmosRtc rtc = new CmosRtc(Clock.fixed(Instant.parse("2026-11-27T09:05:42Z"), ZoneOffset.UTC));

    private int read(int register) {
        rtc.write(0, 1, register);
        return (int) rtc.read(1, 1);
    }

    @Test
    void timeIsBcdUtc() {
        assertEquals(0x42, read(CmosRtc.SECONDS));
        assertEquals(0x05, read(CmosRtc.MINUTES));
        assertEquals(0x09, read(CmosRtc.HOURS));
        assertEquals(0x27, read(CmosRtc.DAY));
        assertEquals(0x11, read(CmosRtc.MONTH));
        assertEquals(0x26, read(CmosRtc.YEAR));
        assertEquals(0x20, read(CmosRtc.CENTURY));
        assertEquals(0x06, read(CmosRtc.WEEKDAY), "Friday, with Sunday = 1");
    }

    @Test
    void statusSaysNoUpdateInProgressAndBatteryGood() {
        assertEquals(0, read(CmosRtc.STATUS_A) & 0x80);
        assertEquals(0x80, read(CmosRtc.STATUS_D));
        rtc.write(0, 1, CmosRtc.STATUS_B);
        rtc.write(1, 1, 0x00); // the guest asks for binary 12-hour mode
        assertEquals(0x02, read(CmosRtc.STATUS_B) & 0x06, "stays 24-hour BCD, which is what it delivers");
    }

    @Test
    void nmiBitIsIgnoredAndRamKeepsBytes() {
        rtc.write(0, 1, 0x80 | 0x40);
        rtc.write(1, 1, 0x5a);
        assertEquals(0x5a, read(0x40));
        rtc.write(0, 1, CmosRtc.SECONDS);
        rtc.write(1, 1, 0x00);
        assertEquals(0x42, read(CmosRtc.SECONDS), "the clock is not writable");
    }
}
