package io.katacontainers.runtime.resource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one sandbox has attached, persisted in its directory ({@value #FILE}, a line per resource) before each
 * setup and after each teardown, so that the cleanup after a crash ({@code containerd-shim-kata-v2 delete},
 * {@code kata-runtime delete --force}) is one walk: {@link #detachAll} on the ledger read back. Its methods lock
 * the ledger itself; a sandbox has one ledger object.
 */
public final class ResourceLedger {
    public static final String FILE = "resources";
    private static final System.Logger LOG = System.getLogger(ResourceLedger.class.getName());

    private final Path file;
    private final List<Resource> attached;

    private ResourceLedger(Path file, List<Resource> attached) {
        this.file = file;
        this.attached = attached;
    }

    /** The ledger of a sandbox directory, with what it records already (nothing for a new sandbox). */
    public static ResourceLedger of(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        List<Resource> attached = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    attached.add(Resource.parse(line));
                }
            }
        }
        return new ResourceLedger(file, attached);
    }

    /** A setup that may fail. */
    @FunctionalInterface
    public interface Setup {
        void run() throws IOException;
    }

    /** Records {@code resource}, then sets it up; a setup that fails is torn down and forgotten again. */
    public synchronized <R extends Resource> R attach(R resource, Setup setup) throws IOException {
        attached.add(resource);
        write();
        try {
            setup.run();
        } catch (IOException | RuntimeException e) {
            try {
                detach(resource);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return resource;
    }

    /** Tears {@code resource} down and forgets it. */
    public synchronized void detach(Resource resource) throws IOException {
        resource.teardown();
        attached.remove(resource);
        write();
    }

    /** Tears every resource down, newest first; each one is tried, and the first failure is thrown after. */
    public synchronized void detachAll() throws IOException {
        IOException first = null;
        for (Resource resource : attached.reversed()) {
            try {
                resource.teardown();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot tear down {0}: {1}", resource.line(), e.getMessage());
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        attached.clear();
        if (Files.isDirectory(file.getParent())) {
            write();
        }
        if (first != null) {
            throw first;
        }
    }

    /** What is attached now, oldest first. */
    public synchronized List<Resource> attached() {
        return List.copyOf(attached);
    }

    private void write() throws IOException {
        List<String> lines = attached.stream().map(Resource::line).toList();
        Path next = file.resolveSibling(FILE + ".next");
        Files.write(next, lines);
        Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
