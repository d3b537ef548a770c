package io.katacontainers.agent.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A program to spawn: everything the child gets is spelled out (environment, descriptors, directory), nothing is
 * inherited by accident.
 *
 * @param program absolute path of the executable
 * @param args    arguments after argv[0]
 * @param env     {@code NAME=value} entries
 * @param dir     working directory of the child
 */
public record Command(Path program, List<String> args, List<String> env, Path dir, Redirect stdin, Redirect stdout,
                      Redirect stderr) {

    public Command {
        Objects.requireNonNull(program, "program");
        if (!program.isAbsolute()) {
            throw new IllegalArgumentException("program must be an absolute path: " + program);
        }
        args = List.copyOf(args);
        env = List.copyOf(env);
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** argv as exec sees it: the program's file name first. */
    public List<String> argv() {
        var argv = new ArrayList<String>(args.size() + 1);
        argv.add(program.getFileName().toString());
        argv.addAll(args);
        return argv;
    }

    @Override
    public String toString() {
        return program + " " + String.join(" ", args);
    }
}
