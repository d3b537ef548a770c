package io.katacontainers.runtime.sandbox;

import io.katacontainers.api.hypervisor.HypervisorDriver;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The hypervisor drivers installed on the module path, found by {@link ServiceLoader}. */
public final class HypervisorDrivers {
    private HypervisorDrivers() {
    }

    public static Optional<HypervisorDriver> find(String name) {
        return all().stream().filter(driver -> driver.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return all().stream().map(HypervisorDriver::name).sorted().toList();
    }

    private static List<HypervisorDriver> all() {
        return ServiceLoader.load(HypervisorDriver.class).stream().map(ServiceLoader.Provider::get).toList();
    }
}
