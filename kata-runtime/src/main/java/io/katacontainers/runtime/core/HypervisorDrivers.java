package io.katacontainers.runtime.core;

import io.katacontainers.api.hypervisor.HypervisorDriver;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The hypervisor drivers a runtime may boot sandboxes with: those on the module path, or a test's own. */
public record HypervisorDrivers(List<HypervisorDriver> drivers) {
    public HypervisorDrivers {
        drivers = List.copyOf(drivers);
    }

    /** The drivers installed on the module path, found by {@link ServiceLoader}. */
    public static HypervisorDrivers installed() {
        return new HypervisorDrivers(ServiceLoader.load(HypervisorDriver.class).stream()
                .map(ServiceLoader.Provider::get).toList());
    }

    public Optional<HypervisorDriver> find(String name) {
        return drivers.stream().filter(driver -> driver.name().equals(name)).findFirst();
    }

    public List<String> names() {
        return drivers.stream().map(HypervisorDriver::name).sorted().toList();
    }
}
