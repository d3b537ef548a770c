package io.katacontainers.agent.cgroup;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Tells which containers the kernel's OOM killer hit, for GetOOMEvent. The kernel notifies a change of a cgroup's
 * {@code memory.events} to inotify watchers of its directory; each rise of the {@code oom_kill} counter queues the
 * container's id once. A container is checked one last time when it is forgotten, so an OOM kill just before
 * RemoveContainer is not lost to the cgroup's removal.
 */
public final class OomMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OomMonitor.class.getName());
    private static final String EVENTS_FILE = "memory.events";

    private final WatchService watcher;
    private final Map<String, Watched> byContainer = new ConcurrentHashMap<>();
    private final Map<WatchKey, Watched> byKey = new ConcurrentHashMap<>();
    private final BlockingQueue<String> oomKilled = new LinkedBlockingQueue<>();
    private final Thread thread;

    private static final class Watched {
        final String containerId;
        final CgroupDir cgroup;
        final WatchKey key;
        long kills;

        Watched(String containerId, CgroupDir cgroup, WatchKey key, long kills) {
            this.containerId = containerId;
            this.cgroup = cgroup;
            this.key = key;
            this.kills = kills;
        }
    }

    private OomMonitor(WatchService watcher) {
        this.watcher = watcher;
        this.thread = Thread.ofPlatform().daemon().name("oom-monitor").unstarted(this::run);
    }

    public static OomMonitor start() throws IOException {
        var monitor = new OomMonitor(FileSystems.getDefault().newWatchService());
        monitor.thread.start();
        return monitor;
    }

    /** Starts watching a container's cgroup, which must exist (the OCI runtime created it). */
    public void watch(String containerId, CgroupDir cgroup) throws IOException {
        Path dir = cgroup.path();
        WatchKey key = dir.register(watcher, StandardWatchEventKinds.ENTRY_MODIFY);
        var watched = new Watched(containerId, cgroup, key, oomKills(cgroup));
        byKey.put(key, watched);
        Watched previous = byContainer.put(containerId, watched);
        if (previous != null) {
            forget(previous);
        }
    }

    /** Stops watching the container, after a last look at its counter. */
    public void forget(String containerId) {
        Watched watched = byContainer.remove(containerId);
        if (watched != null) {
            check(watched);
            forget(watched);
        }
    }

    /** The next container that had a process OOM-killed; blocks until there is one. */
    public String next() throws InterruptedException {
        return oomKilled.take();
    }

    @Override
    public void close() throws IOException {
        watcher.close();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forget(Watched watched) {
        byKey.remove(watched.key);
        watched.key.cancel();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                Watched watched = byKey.get(key);
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (watched != null && (event.kind() == StandardWatchEventKinds.OVERFLOW
                            || EVENTS_FILE.equals(String.valueOf(event.context())))) {
                        check(watched);
                    }
                }
                key.reset();
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            LOG.log(Level.DEBUG, "OOM monitor stopped");
        }
    }

    private void check(Watched watched) {
        synchronized (watched) {
            try {
                long kills = oomKills(watched.cgroup);
                if (kills > watched.kills) {
                    watched.kills = kills;
                    LOG.log(Level.INFO, "the OOM killer hit container {0} ({1} kills)", watched.containerId, kills);
                    oomKilled.add(watched.containerId);
                }
            } catch (IOException e) {
                // The cgroup went with its container: no kill can be counted any more.
                LOG.log(Level.DEBUG, "reading the OOM count of {0}: {1}", watched.containerId, e.getMessage());
            }
        }
    }

    private static long oomKills(CgroupDir cgroup) throws IOException {
        return cgroup.flatKeyed(EVENTS_FILE).getOrDefault("oom_kill", 0L);
    }
}
