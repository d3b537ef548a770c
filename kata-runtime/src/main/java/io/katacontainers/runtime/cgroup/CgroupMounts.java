package io.katacontainers.runtime.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The cgroup hierarchies mounted on the host, from {@code /proc/self/mountinfo}: each cgroup v1 hierarchy (its
 * controllers, or a named one like {@code name=systemd}) once, and the cgroup v2 one. A pure v2 host has one
 * entry, a v1 host one per hierarchy, a hybrid host both.
 */
public final class CgroupMounts {
    private CgroupMounts() {
    }

    /** One mounted hierarchy; {@code controllers} is empty for v2 (its controllers are in its own files). */
    public record Hierarchy(Path mountPoint, boolean v2, Set<String> controllers) {
        public Hierarchy {
            controllers = Set.copyOf(controllers);
        }

        /** The cpuset v1 controller, whose new directories start without CPUs or memory nodes. */
        boolean cpusetV1() {
            return !v2 && controllers.contains("cpuset");
        }
    }

    /** The hierarchies mounted in this process's mount namespace. */
    public static List<Hierarchy> live() throws IOException {
        return parse(Files.readString(Path.of("/proc/self/mountinfo")));
    }

    /** The hierarchies of a mountinfo text, the first mount of each (bind mounts of one are skipped). */
    static List<Hierarchy> parse(String mountinfo) {
        List<Hierarchy> found = new ArrayList<>();
        Set<Set<String>> seenV1 = new HashSet<>();
        boolean seenV2 = false;
        for (String line : mountinfo.lines().toList()) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 3) {
                continue;
            }
            if (!before[3].equals("/")) {
                continue; // a bind mount of a cgroup below the hierarchy's root (a container's view)
            }
            Path mountPoint = Path.of(unescape(before[4]));
            switch (after[0]) {
                case "cgroup2" -> {
                    if (!seenV2) {
                        seenV2 = true;
                        found.add(new Hierarchy(mountPoint, true, Set.of()));
                    }
                }
                case "cgroup" -> {
                    Set<String> controllers = new HashSet<>();
                    for (String option : after[2].split(",")) {
                        if (!option.equals("rw") && !option.equals("ro") && !option.startsWith("release_agent=")
                                && !option.equals("clone_children") && !option.equals("noprefix")
                                && !option.equals("xattr") && !option.equals("cpuset_v2_mode")) {
                            controllers.add(option);
                        }
                    }
                    if (seenV1.add(controllers)) {
                        found.add(new Hierarchy(mountPoint, false, controllers));
                    }
                }
                default -> {
                }
            }
        }
        return found;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
