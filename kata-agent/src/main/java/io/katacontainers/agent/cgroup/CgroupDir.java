package io.katacontainers.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One cgroup v2 directory and the three file formats its interface files use: a single value, flat keyed
 * ({@code key value} per line) and nested keyed ({@code 8:0 rbytes=1 wbytes=2} per line). A file that does not
 * exist reads as absent, because a controller that is not enabled for the cgroup has no files; a file that exists
 * but does not parse is an error naming the file and line.
 */
public record CgroupDir(Path path) {
    /** The root of the unified hierarchy. */
    public static final Path ROOT = Path.of("/sys/fs/cgroup");
    /** How "max" (no limit) reads: the largest unsigned 64-bit value, as containerd reports it. */
    public static final long UNLIMITED = -1L;

    /** The directory of a cgroup path as the OCI spec names it ({@code /kata/<id>}). */
    public static CgroupDir of(String cgroupsPath) {
        return new CgroupDir(ROOT.resolve(cgroupsPath.replaceFirst("^/+", "")));
    }

    /** A single-value file; "max" reads as {@link #UNLIMITED}. */
    public Optional<Long> single(String file) throws IOException {
        Optional<String> text = read(file);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parse(text.get().strip(), file, 1));
    }

    /** A flat keyed file in file order; empty if the file does not exist. */
    public Map<String, Long> flatKeyed(String file) throws IOException {
        Map<String, Long> values = new LinkedHashMap<>();
        for (Line line : lines(file)) {
            if (line.fields().length != 2) {
                throw line.error("expected 'key value', got '" + String.join(" ", line.fields()) + "'");
            }
            values.put(line.fields()[0], parse(line.fields()[1], file, line.number()));
        }
        return values;
    }

    /** A nested keyed file: the first word of each line, then its {@code key=value} pairs. */
    public Map<String, Map<String, Long>> nestedKeyed(String file) throws IOException {
        Map<String, Map<String, Long>> values = new LinkedHashMap<>();
        for (Line line : lines(file)) {
            String[] fields = line.fields();
            Map<String, Long> pairs = new LinkedHashMap<>();
            for (int i = 1; i < fields.length; i++) {
                int equals = fields[i].indexOf('=');
                if (equals <= 0) {
                    throw line.error("expected key=value, got '" + fields[i] + "'");
                }
                pairs.put(fields[i].substring(0, equals), parse(fields[i].substring(equals + 1), file, line.number()));
            }
            values.put(fields[0], pairs);
        }
        return values;
    }

    /** A non-blank line of an interface file, split into its words. */
    private record Line(Path file, int number, String[] fields) {
        IOException error(String what) {
            return new IOException(file + ":" + number + ": " + what);
        }
    }

    /** The file's non-blank lines; none if the file does not exist. */
    private List<Line> lines(String file) throws IOException {
        List<Line> lines = new ArrayList<>();
        Optional<String> text = read(file);
        if (text.isEmpty()) {
            return lines;
        }
        String[] raw = text.get().split("\n");
        for (int i = 0; i < raw.length; i++) {
            if (!raw[i].isBlank()) {
                lines.add(new Line(path.resolve(file), i + 1, raw[i].strip().split("\\s+")));
            }
        }
        return lines;
    }

    private Optional<String> read(String file) throws IOException {
        try {
            return Optional.of(Files.readString(path.resolve(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private long parse(String value, String file, int line) throws IOException {
        if (value.equals("max")) {
            return UNLIMITED;
        }
        try {
            return Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new IOException(path.resolve(file) + ":" + line + ": not a number: '" + value + "'", e);
        }
    }
}
