package io.katacontainers.agent.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeErrorsTest {
    @TempDir
    Path dir;

    @Test
    void theLastErrorOfThisInvocationIsTheMessage() throws Exception {
        Path log = dir.resolve("runtime.log");
        String earlier = "{\"level\":\"error\",\"msg\":\"an older failure\",\"time\":\"t0\"}\n";
        Files.writeString(log, earlier
                + "{\"level\":\"warning\",\"msg\":\"cgroup v1 is old\",\"time\":\"t1\"}\n"
                + "{\"level\":\"error\",\"msg\":\"container_linux.go:380: starting container process caused: "
                + "exec: \\\"nope\\\": executable file not found in $PATH\",\"time\":\"t2\"}\n");
        var errors = new RuntimeErrors(new JsonFiles());
        assertEquals("container_linux.go:380: starting container process caused: exec: \"nope\": executable file"
                + " not found in $PATH", errors.explain(log, earlier.length(), null));
    }

    @Test
    void withoutALogTheOutputTellsWhy() throws Exception {
        Path output = Files.writeString(dir.resolve("out"), "crun: unknown option\n");
        assertEquals("crun: unknown option", new RuntimeErrors(new JsonFiles()).explain(dir.resolve("none"), 0,
                output));
    }
}
