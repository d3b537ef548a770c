package io.katacontainers.packaging.nested;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel identity checks hold on every day of the month (the 1st to the 9th pad the day with a space). */
class KernelBannerTest {
    private static final String SINGLE_DIGIT_DAY = "#1 SMP Mon Dec  7 13:38:21 UTC 2026";
    private static final byte[] IMAGE = ("\0\0junk Linux version %s\0"
            + "Linux version 6.1.192 (root@build) (gcc (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) "
            + "2.40) " + SINGLE_DIGIT_DAY + "\n\0more").getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void aSingleDigitDayMatchesAsUnamePrintsIt() {
        KernelBanner banner = KernelBanner.of(IMAGE);
        assertEquals(1, banner.lines().size(), banner.toString());
        assertTrue(banner.matches("6.1.192", SINGLE_DIGIT_DAY));
        assertTrue(banner.hasRelease("6.1.192"));
    }

    @Test
    void collapsedWhitespaceOrAnotherBuildDoesNotMatch() {
        KernelBanner banner = KernelBanner.of(IMAGE);
        assertFalse(banner.matches("6.1.192", "#1 SMP Mon Dec 7 13:38:21 UTC 2026"), "a value whose spaces collapsed");
        assertFalse(banner.matches("6.1.192", "#2 SMP Mon Dec  7 13:38:21 UTC 2026"), "another build");
        assertFalse(banner.matches("6.1.19", SINGLE_DIGIT_DAY), "a release that is a prefix");
        assertFalse(banner.hasRelease("6.1.19"));
        assertFalse(banner.matches("", ""));
    }

    @Test
    void keyValueLinesKeepTheValueAsPrinted() {
        String stdout = "guest_release=6.1.192\nguest_version=" + SINGLE_DIGIT_DAY + "\nnoise\n";
        var values = NestedKvm.values(stdout);
        assertEquals(SINGLE_DIGIT_DAY, values.get("guest_version"));
        assertTrue(KernelBanner.of(IMAGE).matches(values.get("guest_release"), values.get("guest_version")));
        assertEquals(List.of("guest_release", "guest_version"), List.copyOf(values.keySet()));
    }
}
