package io.katacontainers.api.hypervisor;

import java.util.List;

/**
 * What a host offers a driver.
 *
 * @param path the VMM binary, or the module for a built-in VMM
 * @param version the VMM's version as it reports it, or empty when unknown
 * @param acceleration how guests will run: {@code kvm} or {@code tcg}, or {@code none} when they cannot
 * @param notes why acceleration or the driver is unavailable, and what to do about it
 */
public record HostSupport(String path, String version, String acceleration, List<String> notes) {
    public HostSupport {
        notes = List.copyOf(notes);
    }

    public boolean usable() {
        return !acceleration.equals("none");
    }
}
