package io.katacontainers.api.hypervisor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The check every driver makes of a VM template against the VM that would be cloned from it. */
public final class TemplateIdentity {
    private TemplateIdentity() {
    }

    /**
     * Refuses the template in {@code dir} unless it was made for the same VM: every key of {@code identity} (this
     * VM) must have the same value in {@code made} (the template's manifest); the message names each difference
     * and ends with {@code fix}.
     */
    public static void requireSame(Path dir, Map<String, String> identity, Map<String, String> made, String fix)
            throws HypervisorException {
        List<String> differences = new ArrayList<>();
        for (var entry : new TreeMap<>(identity).entrySet()) {
            String value = made.get(entry.getKey());
            if (!entry.getValue().equals(value)) {
                differences.add(entry.getKey() + ": template " + (value == null ? "(none)" : value) + ", this VM "
                        + entry.getValue());
            }
        }
        if (!differences.isEmpty()) {
            throw new HypervisorException("the VM template in " + dir + " was made for another VM ("
                    + String.join("; ", differences) + ")" + fix);
        }
    }
}
