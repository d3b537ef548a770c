package io.katacontainers.agent.process;

import java.nio.file.Path;

/** Where a spawned program's standard descriptor 0, 1 or 2 points. */
public sealed interface Redirect permits Redirect.Null, Redirect.Descriptor, Redirect.File {

    /** {@code /dev/null}. */
    record Null() implements Redirect {
    }

    /** A descriptor of this process, duplicated into the child; the caller keeps and closes its own copy. */
    record Descriptor(int fd) implements Redirect {
    }

    /** A file, created or truncated, for capturing a tool's output. */
    record File(Path path) implements Redirect {
    }
}
