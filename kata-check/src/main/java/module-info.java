/**
 * {@code kata-runtime check}: decides whether a host can run Kata Containers, by reading a host root
 * (/proc/cpuinfo, /sys/module, /dev/kvm) and, as root on the real host, by probing /dev/kvm with ioctls.
 */
module io.katacontainers.check {
    requires io.katacontainers.ffm;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;

    exports io.katacontainers.check;
    // picocli injects the @Option fields; Jackson reads the report records.
    opens io.katacontainers.check to info.picocli, com.fasterxml.jackson.databind;
}
