package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Compiles and runs a throw-away C program that prints {@code key<TAB>value} lines, so tests can compare Java
 * constants and layouts with what gcc sees in the system headers. Missing gcc or headers fail the test with the
 * package to install: these checks must never be skipped silently.
 */
public final class CProbe {
    private final List<String> includes = new ArrayList<>();
    private final List<String> statements = new ArrayList<>();

    public CProbe include(String header) {
        includes.add(header);
        return this;
    }

    /** Prints an integer expression, widened to unsigned long long. */
    public CProbe number(String key, String expression) {
        statements.add("printf(\"%s\\t%llu\\n\", \"" + key + "\", (unsigned long long)(" + expression + "));");
        return this;
    }

    /** Prints a C string expression. */
    public CProbe string(String key, String expression) {
        statements.add("printf(\"%s\\t%s\\n\", \"" + key + "\", " + expression + ");");
        return this;
    }

    /** Writes, compiles (-Wall -Werror) and runs the program in {@code dir}; returns its output by key. */
    public Map<String, String> run(Path dir) throws IOException, InterruptedException {
        StringBuilder source = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n");
        for (String header : includes) {
            source.append("#include <").append(header).append(">\n");
        }
        source.append("int main(void) {\n");
        for (String statement : statements) {
            source.append("    ").append(statement).append('\n');
        }
        source.append("    return 0;\n}\n");
        Path c = dir.resolve("probe.c");
        Path exe = dir.resolve("probe");
        Files.writeString(c, source);

        Result compiled = exec(dir, List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), c.toString()));
        if (compiled.exitCode != 0) {
            fail("gcc failed (needs gcc and linux-libc-dev: apt-get install -y gcc linux-libc-dev):\n"
                    + compiled.output + "\nsource:\n" + source);
        }
        Result ran = exec(dir, List.of(exe.toString()));
        assertEquals(0, ran.exitCode, "probe program failed:\n" + ran.output);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : ran.output.split("\n")) {
            if (!line.isEmpty()) {
                String[] kv = line.split("\t", 2);
                values.put(kv[0], kv[1]);
            }
        }
        return values;
    }

    private record Result(int exitCode, String output) {
    }

    private static Result exec(Path dir, List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + command.getFirst() + " (CI must install gcc and linux-libc-dev)", e);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command + " timed out");
        }
        return new Result(process.exitValue(), output);
    }
}
