package io.katacontainers.check.host;

import java.io.IOException;
import java.util.Optional;

/** Reads /lib/modules/&lt;release&gt;/modules.builtin and modules.dep to explain why a module is missing. */
final class ModuleIndex {

    /** Whether the module is built in, and a sentence on where it stands and what to run next. */
    record Availability(boolean builtIn, String explanation) {
    }

    private ModuleIndex() {
    }

    static Availability lookup(HostRoot root, String module) throws IOException {
        String load = "modprobe " + module;
        Optional<String> release = root.read("/proc/sys/kernel/osrelease");
        if (release.isEmpty()) {
            return new Availability(false, "load it: " + load);
        }
        String dir = "/lib/modules/" + release.get();
        Optional<String> builtin = root.read(dir + "/modules.builtin");
        Optional<String> dep = root.read(dir + "/modules.dep");
        if (builtin.isEmpty() && dep.isEmpty()) {
            return new Availability(false, "no modules are installed for kernel " + release.get() + " (no " + dir
                    + "): install them or use a kernel that has " + module + ", then load it: " + load);
        }
        if (builtin.stream().flatMap(String::lines).anyMatch(path -> names(path, module))) {
            return new Availability(true, "built into kernel " + release.get());
        }
        // modules.dep lines are "path/to/name.ko[.xz]: dependencies".
        if (dep.stream().flatMap(String::lines).map(line -> line.split(":", 2)[0])
                .anyMatch(path -> names(path, module))) {
            return new Availability(false, "load it: " + load);
        }
        return new Availability(false, "kernel " + release.get() + " does not provide it (not in " + dir
                + "): use a kernel built with it, then load it: " + load);
    }

    /** True when a module file path names this module; file names may use '-' where module names use '_'. */
    private static boolean names(String path, String module) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        int ko = file.indexOf(".ko");
        return ko > 0 && file.substring(0, ko).replace('-', '_').equals(module);
    }
}
