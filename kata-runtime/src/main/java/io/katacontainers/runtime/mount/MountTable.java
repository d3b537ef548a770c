package io.katacontainers.runtime.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mounts of this process's mount namespace, from {@code /proc/self/mountinfo}: where each is, its per-mount
 * options ({@code rw,nosuid,...}), its filesystem type and the filesystem's own options ({@code size=65536k,...}).
 */
public record MountTable(List<Entry> entries) {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final Pattern OCTAL_ESCAPE = Pattern.compile("\\\\([0-7]{3})");

    /** One mount. */
    public record Entry(Path mountPoint, List<String> mountOptions, String fsType, List<String> superOptions) {
    }

    public MountTable {
        entries = List.copyOf(entries);
    }

    /** This process's mounts now. */
    public static MountTable current() throws IOException {
        return parse(Files.readAllLines(MOUNTINFO));
    }

    /** Lines of mountinfo: {@code id parent major:minor root point options [optional...] - type source super}. */
    public static MountTable parse(List<String> lines) {
        return new MountTable(lines.stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length > 6)
                .map(MountTable::entry)
                .flatMap(Optional::stream)
                .toList());
    }

    private static Optional<Entry> entry(String[] fields) {
        int separator = Arrays.asList(fields).indexOf("-");
        if (separator < 6 || separator + 1 >= fields.length) {
            return Optional.empty();
        }
        String type = fields[separator + 1];
        String superOptions = separator + 3 < fields.length ? fields[separator + 3] : "";
        return Optional.of(new Entry(Path.of(unescape(fields[4])), List.of(fields[5].split(",")), type,
                List.of(superOptions.split(","))));
    }

    /** The mount whose mount point is exactly {@code path} (the topmost one, if several are stacked there). */
    public Optional<Entry> at(Path path) {
        return entries.reversed().stream().filter(entry -> entry.mountPoint().equals(path)).findFirst();
    }

    /** Mounts at or under {@code path}, in mount order (a parent before what is mounted on it). */
    public List<Entry> under(Path path) {
        return entries.stream().filter(entry -> entry.mountPoint().startsWith(path)).toList();
    }

    private static String unescape(String field) {
        Matcher escape = OCTAL_ESCAPE.matcher(field);
        StringBuilder out = new StringBuilder();
        while (escape.find()) {
            escape.appendReplacement(out, Matcher.quoteReplacement(
                    Character.toString(Integer.parseInt(escape.group(1), 8))));
        }
        return escape.appendTail(out).toString();
    }
}
