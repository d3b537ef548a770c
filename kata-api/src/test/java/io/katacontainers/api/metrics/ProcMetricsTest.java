package io.katacontainers.api.metrics;

import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The /proc families, read from this JVM's own process and host, and from fixtures. */
class ProcMetricsTest {
    @TempDir
    Path fixture;

    @Test
    void thisProcessInKataNames() {
        var out = new Families(Labels.of("sandbox_id", "sb1"));
        ProcessMetrics.add(out, "kata_shim", ProcessHandle.current().pid(), ProcFs.system(), true);
        String text = Exposition.text(out.build());
        assertTrue(text.contains("# TYPE kata_shim_proc_status gauge"), text);
        assertTrue(text.contains("kata_shim_proc_status{item=\"vmrss\",sandbox_id=\"sb1\"}"), text);
        assertTrue(text.contains("kata_shim_proc_stat{item=\"utime\",sandbox_id=\"sb1\"}"), text);
        assertTrue(text.contains("kata_shim_io_stat{item=\"readbytes\",sandbox_id=\"sb1\"}"), text);
        assertTrue(text.contains("kata_shim_process_cpu_seconds_total{sandbox_id=\"sb1\"}"), text);
        var threads = Pattern.compile("kata_shim_threads\\{sandbox_id=\"sb1\"} (\\d+)").matcher(text);
        assertTrue(threads.find(), text);
        assertTrue(Double.parseDouble(threads.group(1)) >= 2, "a JVM runs several threads");
    }

    @Test
    void aProcessThatIsGoneAddsNothing() {
        var out = new Families(Labels.EMPTY);
        ProcessMetrics.add(out, "kata_hypervisor", Integer.MAX_VALUE, ProcFs.system(), true);
        assertTrue(out.build().isEmpty());
    }

    @Test
    void guestFamiliesFromAFixture() throws Exception {
        Files.writeString(fixture.resolve("meminfo"), "MemTotal:        1014716 kB\nActive(anon):      1234 kB\n"
                + "HugePages_Total:       0\n");
        Files.writeString(fixture.resolve("loadavg"), "0.10 0.20 0.30 2/87 1234\n");
        Files.writeString(fixture.resolve("stat"), "cpu  10 1 20 300 4 0 2 0 0 0\ncpu0 10 1 20 300 4 0 2 0 0 0\n"
                + "btime 1700000000\n");
        Files.writeString(fixture.resolve("diskstats"), "   8       0 vda 5 0 40 3 1 0 8 1 0 6 4 0 0 0 0 0 0\n");
        Files.createDirectories(fixture.resolve("net"));
        Files.writeString(fixture.resolve("net/dev"), "Inter-|   Receive\n face |bytes\n"
                + "    lo:     100       2    0    0    0     0          0         0      100       2    0    0    0"
                + "     0       0          0\n");
        Files.writeString(fixture.resolve("vmstat"), "nr_free_pages 1000\npgfault 42\n");
        var out = new Families(Labels.of("sandbox_id", "sb2"));
        GuestMetrics.add(out, new ProcFs(fixture));
        String text = Exposition.text(out.build());
        assertTrue(text.contains("kata_guest_meminfo{item=\"mem_total\",sandbox_id=\"sb2\"} 1014716.0"), text);
        assertTrue(text.contains("kata_guest_meminfo{item=\"active_anon\",sandbox_id=\"sb2\"} 1234.0"), text);
        assertTrue(text.contains("kata_guest_load{item=\"load5\",sandbox_id=\"sb2\"} 0.2"), text);
        assertTrue(text.contains("kata_guest_tasks{item=\"max\",sandbox_id=\"sb2\"} 87.0"), text);
        assertTrue(text.contains("kata_guest_cpu_time{cpu=\"total\",item=\"idle\",sandbox_id=\"sb2\"} 300.0"), text);
        assertTrue(text.contains("kata_guest_cpu_time{cpu=\"0\",item=\"user\",sandbox_id=\"sb2\"} 10.0"), text);
        assertTrue(text.contains("kata_guest_diskstat{disk=\"vda\",item=\"sectors_read\",sandbox_id=\"sb2\"} 40.0"),
                text);
        assertTrue(text.contains("kata_guest_netdev_stat{interface=\"lo\",item=\"sent_bytes\",sandbox_id=\"sb2\"} "
                + "100.0"), text);
        assertTrue(text.contains("kata_guest_vm_stat{item=\"pgfault\",sandbox_id=\"sb2\"} 42.0"), text);
        assertEquals(1, Pattern.compile("(?m)^# TYPE kata_guest_meminfo ").matcher(text).results().count());
        assertFalse(text.contains("NaN"), text);
    }
}
