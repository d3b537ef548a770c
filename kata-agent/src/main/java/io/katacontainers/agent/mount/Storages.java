package io.katacontainers.agent.mount;

import io.katacontainers.agent.proto.Storage;
import io.katacontainers.errdefs.ErrdefsException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The storages attached in this guest, counted by mount point: the sandbox's shared filesystem is named again by
 * every container's request, and must stay until the last user releases it.
 */
public final class Storages {
    private static final System.Logger LOG = System.getLogger(Storages.class.getName());

    private final Mounter mounter;
    private final Map<Path, Attached> attached = new LinkedHashMap<>();

    private record Attached(StorageDriver driver, boolean mounted, int users) {
        Attached withUsers(int count) {
            return new Attached(driver, mounted, count);
        }
    }

    public Storages(Mounter mounter) {
        this.mounter = mounter;
    }

    /**
     * Attaches each storage (or counts one more user of it), all or nothing.
     *
     * @return the mount points, to pass to {@link #release} later
     * @throws IllegalArgumentException for a relative mount point or a driver this agent does not have
     */
    public synchronized List<Path> add(List<Storage> storages) throws IOException {
        List<Path> added = new ArrayList<>();
        try {
            for (Storage storage : storages) {
                added.add(add(storage));
            }
            return added;
        } catch (IOException | RuntimeException e) {
            try {
                release(added);
            } catch (IOException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    /** Drops one use of each mount point; the last one detaches it. Every point is tried, the first failure thrown. */
    public synchronized void release(List<Path> mountPoints) throws IOException {
        IOException failure = null;
        for (Path point : mountPoints.reversed()) {
            try {
                releaseOne(point);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Detaches everything, newest first. */
    public synchronized void releaseAll() throws IOException {
        List<Path> all = new ArrayList<>();
        attached.forEach((point, entry) -> {
            for (int i = 0; i < entry.users(); i++) {
                all.add(point);
            }
        });
        release(all);
    }

    private Path add(Storage storage) throws IOException {
        Path requested = Path.of(storage.getMountPoint());
        if (!requested.isAbsolute()) {
            throw ErrdefsException.invalidArgument("storage mount point must be absolute: '"
                    + storage.getMountPoint() + "'");
        }
        Path point = requested.normalize();
        Attached existing = attached.get(point);
        if (existing != null) {
            attached.put(point, existing.withUsers(existing.users() + 1));
            return point;
        }
        StorageDriver driver = StorageDriver.named(storage.getDriver()).orElseThrow(() ->
                ErrdefsException.invalidArgument("unsupported storage driver '" + storage.getDriver() + "' for "
                        + point + "; this agent has " + StorageDriver.NAMES));
        boolean mounted = driver.attach(storage.toBuilder().setMountPoint(point.toString()).build(), mounter);
        LOG.log(Level.INFO, "attached {0} storage {1} at {2}", storage.getDriver(), storage.getSource(), point);
        attached.put(point, new Attached(driver, mounted, 1));
        return point;
    }

    private void releaseOne(Path point) throws IOException {
        Attached entry = attached.get(point);
        if (entry == null) {
            return;
        }
        if (entry.users() > 1) {
            attached.put(point, entry.withUsers(entry.users() - 1));
            return;
        }
        attached.remove(point);
        entry.driver().detach(point, entry.mounted(), mounter);
    }
}
