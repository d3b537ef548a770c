package io.katacontainers.runtime.cgroup;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a sandbox's cgroup is, relative to the root of each hierarchy, from its spec's {@code cgroupsPath} by
 * Kata's rules. A cgroupfs path keeps its parent (the pod's cgroup) and gets its last element prefixed with
 * {@code kata_} (Kata renames it so that cAdvisor does not take the VM for a container); a relative one is under
 * {@code /vc}. systemd's {@code slice:prefix:name} (the slice ending in {@code .slice}) is the scope
 * {@code prefix-name.scope} in the slice's directory, the slice expanded as systemd does
 * ({@code a-b.slice} is {@code a.slice/a-b.slice}).
 *
 * @param relative the path below a hierarchy's root, without a leading slash
 * @param systemd whether the spec gave systemd's form
 */
public record CgroupsPath(String relative, boolean systemd) {
    /** Kata's directory for a relative cgroupfs path. */
    static final String DEFAULT_PARENT = "vc";
    /** The prefix Kata gives the sandbox's own cgroupfs directory. */
    static final String KATA_PREFIX = "kata_";

    public CgroupsPath {
        if (relative.isEmpty() || relative.startsWith("/") || relative.endsWith("/")) {
            throw new IllegalArgumentException("not a cgroup path below a hierarchy's root: '" + relative + "'");
        }
        for (String element : relative.split("/")) {
            if (element.isEmpty() || element.equals(".") || element.equals("..")) {
                throw new IllegalArgumentException("cgroup path " + relative + " has an empty, '.' or '..' element");
            }
        }
    }

    /** The sandbox's cgroup for the spec's {@code cgroupsPath}; INVALID input is an IllegalArgumentException. */
    public static CgroupsPath of(String cgroupsPath) {
        if (cgroupsPath.isEmpty()) {
            throw new IllegalArgumentException("the sandbox's spec has no linux.cgroupsPath");
        }
        String[] parts = cgroupsPath.split(":", -1);
        if (parts.length == 3 && parts[0].endsWith(".slice")) {
            return systemd(parts[0], parts[1], parts[2]);
        }
        if (cgroupsPath.contains(":")) {
            throw new IllegalArgumentException("malformed cgroupsPath '" + cgroupsPath
                    + "': systemd's form is slice:prefix:name, the slice ending in .slice");
        }
        List<String> elements = new ArrayList<>();
        if (!cgroupsPath.startsWith("/")) {
            elements.add(DEFAULT_PARENT);
        }
        for (String element : cgroupsPath.split("/")) {
            if (element.isEmpty() || element.equals(".")) {
                continue;
            }
            if (element.equals("..")) {
                throw new IllegalArgumentException("cgroupsPath '" + cgroupsPath + "' must not contain '..'");
            }
            elements.add(element);
        }
        if (elements.isEmpty()) {
            elements.add(DEFAULT_PARENT);
        }
        int last = elements.size() - 1;
        elements.set(last, KATA_PREFIX + elements.get(last));
        return new CgroupsPath(String.join("/", elements), false);
    }

    private static CgroupsPath systemd(String slice, String prefix, String name) {
        if (name.isEmpty() || name.contains("/") || prefix.contains("/")) {
            throw new IllegalArgumentException("malformed systemd cgroupsPath '" + slice + ":" + prefix + ":" + name
                    + "': the name must be set and neither it nor the prefix may contain '/'");
        }
        String unit = name.endsWith(".slice") ? name : (prefix.isEmpty() ? "" : prefix + "-") + name + ".scope";
        String dir = expandSlice(slice);
        return new CgroupsPath(dir.isEmpty() ? unit : dir + "/" + unit, true);
    }

    /** systemd's slice directories: {@code a-b.slice} is {@code a.slice/a-b.slice}; {@code -.slice} is the root. */
    static String expandSlice(String slice) {
        if (slice.equals("-.slice")) {
            return "";
        }
        String base = slice.substring(0, slice.length() - ".slice".length());
        if (base.isEmpty() || slice.contains("/") || base.startsWith("-") || base.endsWith("-")
                || base.contains("--")) {
            throw new IllegalArgumentException("invalid systemd slice '" + slice + "'");
        }
        StringBuilder path = new StringBuilder();
        StringBuilder prefix = new StringBuilder();
        for (String component : base.split("-")) {
            if (!path.isEmpty()) {
                path.append('/');
                prefix.append('-');
            }
            prefix.append(component);
            path.append(prefix).append(".slice");
        }
        return path.toString();
    }
}
