package io.katacontainers.agent.mount;

import io.katacontainers.ffm.libc.MountOptions;
import java.io.IOException;
import java.nio.file.Path;

/** The mount operations the agent needs; an interface so storage handling can be tested without privileges. */
public interface Mounter {

    /** mount(2); {@code fstype} null for bind mounts. */
    void mount(String source, Path target, String fstype, MountOptions options) throws IOException;

    /** Detaches the mount at {@code target} (lazily, so a busy mount does not block a teardown). */
    void unmount(Path target) throws IOException;

    /** Whether something is mounted exactly at {@code path}. */
    boolean isMountPoint(Path path) throws IOException;
}
