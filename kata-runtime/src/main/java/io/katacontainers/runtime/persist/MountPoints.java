package io.katacontainers.runtime.persist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The mount points of this process's mount namespace, from {@code /proc/self/mountinfo}. */
public final class MountPoints {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final Pattern OCTAL_ESCAPE = Pattern.compile("\\\\([0-7]{3})");

    private MountPoints() {
    }

    /** Mount points at or below {@code dir}, deepest first, so they can be unmounted in that order. */
    public static List<Path> under(Path dir) throws IOException {
        return under(Files.readAllLines(MOUNTINFO), dir);
    }

    static List<Path> under(List<String> mountinfo, Path dir) {
        return parse(mountinfo).stream()
                .filter(mountPoint -> mountPoint.startsWith(dir))
                .sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .toList();
    }

    /** The fifth field of each line is the mount point, with spaces and the like escaped as octal. */
    static List<Path> parse(List<String> mountinfo) {
        return mountinfo.stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields.length > 4)
                .map(fields -> Path.of(unescape(fields[4])))
                .toList();
    }

    private static String unescape(String field) {
        Matcher escape = OCTAL_ESCAPE.matcher(field);
        StringBuilder out = new StringBuilder();
        while (escape.find()) {
            escape.appendReplacement(out, Character.toString(Integer.parseInt(escape.group(1), 8)));
        }
        return escape.appendTail(out).toString();
    }
}
