package io.katacontainers.runtime.config.env;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProcHostProbeTest {

    @TempDir
    Path root;

    @Test
    void readsKatasHostFieldsFromTheRoot() throws IOException {
        write("proc/version", "Linux version 6.1.0-27-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP\n");
        write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                + "VERSION_ID=\"12\"\n");
        write("proc/cpuinfo", """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                model name\t: AMD EPYC 7B13
                flags\t\t: fpu vme svm lm
                """);
        write("proc/meminfo", "MemTotal:       24000000 kB\nMemFree:        1000 kB\nMemAvailable:   2000 kB\n");
        write("dev/kvm", "");

        HostInfo host = new ProcHostProbe(root, 2, "amd64").probe();

        assertEquals(new HostInfo("6.1.0-27-cloud-amd64", "amd64", "Debian GNU/Linux", "12", "AuthenticAMD",
                "AMD EPYC 7B13", 2, 24000000, 1000, 2000, true, false), host);
    }

    @Test
    void kvmWithoutHardwareVirtualisationIsNotCapable() throws IOException {
        // A PVM host: /dev/kvm exists, but the CPU flags have neither vmx nor svm.
        write("proc/cpuinfo", "vendor_id\t: GenuineIntel\nflags\t\t: fpu vme lm\n");
        write("dev/kvm", "");
        write("dev/vhost-vsock", "");

        HostInfo host = new ProcHostProbe(root, 1, "aarch64").probe();

        assertEquals(false, host.vmContainerCapable());
        assertEquals(true, host.supportVsocks());
        assertEquals("arm64", host.architecture());
        assertEquals(EnvReport.UNKNOWN, host.kernel());
        assertEquals(EnvReport.UNKNOWN, host.distroName());
    }

    private void write(String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
