package io.katacontainers.benchmarks.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the benchmarks that run real guests and agents take from the project's build: the guest kernel and the
 * test-init initrd ({@code make build} lays them out), the agent's module path. Each has a system property that
 * overrides it; the defaults are under the project's root, system property {@value #ROOT_PROPERTY} (bench.sh and
 * the module's tests set it; default: the working directory).
 */
public final class BuiltTree {
    public static final String ROOT_PROPERTY = "kata.root";

    /** The PVH vmlinux the runtime boots. */
    public static final Piece KERNEL = new Piece("kata.bench.kernel", "build/share/kata-containers/vmlinux.container");
    /** The initrd whose /init checks the guest and reboots (build-initrd.sh --test-init), built for GuestBootTest. */
    public static final Piece TEST_INITRD = new Piece("kata.bench.initrd",
            "packaging/target/guest-test/kata-containers-initrd.img");
    /** The agent's jar and its dependencies, the module path the guest runs it from. */
    public static final Piece AGENT_MODULES = new Piece("kata.bench.agentModules", "kata-agent/target/agent-modules");

    /** The project's JVM options, java @-files (base.args: every program's; guest.args: the guest's additions). */
    public static final Piece JVM_OPTIONS = new Piece("kata.bench.jvmOptions", "packaging/jvm");

    private BuiltTree() {
    }

    /**
     * One file or directory of the build.
     *
     * @param property the system property that names it instead of the default
     * @param relative its default path under the project's root
     */
    public record Piece(String property, String relative) {
        /** The path, whether or not it exists. */
        public Path path() {
            String configured = System.getProperty(property);
            Path root = Path.of(System.getProperty(ROOT_PROPERTY, ""));
            return (configured != null ? Path.of(configured) : root.resolve(relative)).toAbsolutePath().normalize();
        }

        /** The path if it exists. */
        public Optional<Path> find() {
            Path path = path();
            return Files.exists(path) ? Optional.of(path) : Optional.empty();
        }

        /** The path; fails naming the property and how to build it when it does not exist. */
        public Path require() {
            return find().orElseThrow(() -> new IllegalStateException(missing()));
        }

        /** Why it is missing, for a failure or a skipped test. */
        public String missing() {
            return "no " + path() + " (set -D" + property + " or -D" + ROOT_PROPERTY + "): 'make build' builds it";
        }
    }
}
