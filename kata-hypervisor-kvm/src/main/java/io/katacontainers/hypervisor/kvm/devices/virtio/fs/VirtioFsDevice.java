package io.katacontainers.hypervisor.kvm.devices.virtio.fs;

import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsDaemon;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventFds;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.Queue;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.VhostUserException;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.VhostUserFrontend;
import io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser.Vring;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * virtio-fs (device id 26) served by virtiofsd through vhost-user: one high-priority queue and
 * {@link #REQUEST_QUEUES} request queue, which the daemon reads and writes in guest memory itself. The VMM only
 * relays: the guest's notifications reach the daemon directly (the queue notify eventfds are its kick fds), and
 * each queue's call eventfd, which the daemon signals after using buffers, becomes the transport's used-buffer
 * interrupt. virtio-mmio needs that relay: Linux's virtio_mmio handler ignores an interrupt whose InterruptStatus
 * is 0, so the status bit must be set before the irqfd fires.
 */
public final class VirtioFsDevice implements VirtioDevice {
    private static final System.Logger LOG = System.getLogger(VirtioFsDevice.class.getName());

    /** The C virtiofsd serves two queues: high priority and one request queue. */
    public static final int REQUEST_QUEUES = 1;
    /** libvhost-user's VIRTQUEUE_MAX_SIZE: larger rings break its indirect-descriptor handling. */
    public static final int MAX_QUEUE_SIZE = 1024;
    /** Ring features the back end implements; the VMM never touches these rings. */
    static final long RING_FEATURES = (1L << 28) | (1L << 29);

    private final FsConfigSpace config;
    private final int queueSize;
    private final VirtiofsDaemon daemon;
    private final VhostUserFrontend frontend;
    private final List<Fd> vringEvents = new ArrayList<>();
    private int startedQueues;
    private Activation activation;
    private EventLoop.Registration hangUpWatch;

    private VirtioFsDevice(FsConfigSpace config, int queueSize, VirtiofsDaemon daemon, VhostUserFrontend frontend) {
        this.config = config;
        this.queueSize = queueSize;
        this.daemon = daemon;
        this.frontend = frontend;
    }

    /**
     * Starts virtiofsd for {@code command}'s directory and connects to it.
     *
     * @param tag what the guest mounts ({@code mount -t virtiofs TAG DIR})
     * @param queueSize {@code virtio_fs_queue_size}: the largest ring the driver may set up
     * @param launcher starts the daemon, tied to this JVM's life
     * @param log the daemon's output
     * @param timeout for the daemon to come up and for each vhost-user reply
     * @throws IOException when the daemon cannot start or speaks an unexpected protocol; nothing is left then
     */
    public static VirtioFsDevice start(String tag, int queueSize, ProcessLauncher launcher, VirtiofsdCommand command,
                                       Path log, Duration timeout) throws IOException, InterruptedException {
        FsConfigSpace config = new FsConfigSpace(tag, REQUEST_QUEUES);
        if (queueSize < 1 || queueSize > MAX_QUEUE_SIZE || Integer.bitCount(queueSize) != 1) {
            throw new IllegalArgumentException("virtio_fs_queue_size = " + queueSize + ": use a power of 2 up to "
                    + MAX_QUEUE_SIZE + " (virtiofsd's limit)");
        }
        VirtiofsDaemon daemon = VirtiofsDaemon.start(launcher, command, log, Instant.now().plus(timeout));
        try {
            VhostUserFrontend frontend = VhostUserFrontend.connect(daemon.socket(), timeout);
            try {
                checkBackEnd(frontend, config);
                return new VirtioFsDevice(config, queueSize, daemon, frontend);
            } catch (IOException | RuntimeException e) {
                frontend.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    private static void checkBackEnd(VhostUserFrontend frontend, FsConfigSpace config) throws VhostUserException {
        if ((frontend.backendFeatures() & Virtio.F_VERSION_1) == 0) {
            throw new VhostUserException("virtiofsd for tag " + config.tag()
                    + " does not offer VIRTIO_F_VERSION_1; use the virtiofsd that comes with QEMU 5.0 or later");
        }
        int needed = 1 + config.requestQueues();
        if (frontend.queueLimit().isPresent() && frontend.queueLimit().getAsInt() < needed) {
            throw new VhostUserException("virtiofsd for tag " + config.tag() + " serves "
                    + frontend.queueLimit().getAsInt() + " queues; virtio-fs needs " + needed);
        }
    }

    @Override
    public int deviceType() {
        return Virtio.ID_FS;
    }

    @Override
    public long features() {
        return frontend.backendFeatures() & (Virtio.F_VERSION_1 | RING_FEATURES);
    }

    @Override
    public int queueCount() {
        return 1 + config.requestQueues();
    }

    @Override
    public int queueMaxSize() {
        return queueSize;
    }

    @Override
    public byte[] config() {
        return config.bytes();
    }

    /** The daemon's pid, for the VMM's records and for tests. */
    public long daemonPid() {
        return daemon.process().pid();
    }

    /**
     * Tells {@code listener} once the daemon has exited, with its exit report (status and the end of its log), on a
     * JDK thread; also when the exit is this device's own close, which the owner tells apart.
     */
    public void whenDaemonExited(Consumer<String> listener) {
        daemon.process().whenExited(() -> listener.accept(daemon.process().exitReport()));
    }

    /**
     * Gives the daemon the negotiated features, the memory table and every queue, and starts relaying its call
     * eventfds to the interrupt. On failure the queues started so far are stopped again.
     */
    @Override
    public void activate(Activation next) throws IOException {
        activation = next;
        try {
            frontend.setFeatures(next.features());
            frontend.setMemTable(next.memory());
            for (int i = 0; i < next.queues().size(); i++) {
                startQueue(next, i);
            }
            hangUpWatch = next.watch(frontend.connection(), Epoll.EPOLLRDHUP, ready -> backEndHungUp());
        } catch (VhostUserException | SyscallException | RuntimeException e) {
            stopQueues();
            throw new IOException("virtio-fs " + config.tag() + ": cannot start the device: " + e.getMessage()
                    + (daemon.process().isAlive() ? "" : "; " + daemon.process().exitReport()), e);
        }
    }

    private void startQueue(Activation next, int index) throws VhostUserException, SyscallException {
        Queue queue = next.queues().get(index);
        Fd call = newEventFd();
        Fd error = newEventFd();
        next.watch(call, Epoll.EPOLLIN, ready -> relayCall(call));
        next.watch(error, Epoll.EPOLLIN, ready -> backEndFailed(index, error));
        frontend.startVring(next.memory(), new Vring(index, queue.size(), queue.descriptorTable(),
                queue.availableRing(), queue.usedRing(), next.queueEvents().get(index), call, error));
        startedQueues = index + 1;
    }

    private Fd newEventFd() throws SyscallException {
        Fd fd = EventFds.create();
        vringEvents.add(fd);
        return fd;
    }

    private void relayCall(Fd call) {
        try {
            EventFds.drain(call);
        } catch (SyscallException e) {
            activation.needsReset("virtio-fs " + config.tag() + ": cannot read a call eventfd: " + e.getMessage());
            return;
        }
        activation.interrupt().signalUsedBuffer();
    }

    private void backEndFailed(int index, Fd error) {
        try {
            EventFds.drain(error);
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "virtio-fs " + config.tag() + ": cannot read the error eventfd", e);
        }
        activation.needsReset("virtiofsd reported an error on queue " + index + " of tag " + config.tag()
                + "; see " + daemon.process().log());
    }

    private void backEndHungUp() {
        try {
            hangUpWatch.close();
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "virtio-fs " + config.tag() + ": cannot stop watching the vhost-user socket", e);
        }
        activation.needsReset(daemon.process() + " for tag " + config.tag()
                + " closed its vhost-user socket; the shared directory is gone until the sandbox restarts");
    }

    /** Takes the queues back from the daemon (it stops touching guest memory) and drops the eventfds. */
    @Override
    public void reset() {
        stopQueues();
        activation = null;
        hangUpWatch = null;
    }

    private void stopQueues() {
        for (int i = 0; i < startedQueues; i++) {
            try {
                frontend.stopVring(i);
            } catch (VhostUserException e) {
                LOG.log(Level.WARNING, "virtio-fs " + config.tag() + ": cannot stop queue " + i
                        + " cleanly (the daemon is gone or broken): " + e.getMessage());
                break;
            }
        }
        startedQueues = 0;
        for (Fd fd : vringEvents) {
            try {
                fd.close();
            } catch (SyscallException e) {
                LOG.log(Level.WARNING, "virtio-fs " + config.tag() + ": cannot close an eventfd", e);
            }
        }
        vringEvents.clear();
    }

    /** Disconnects (virtiofsd then exits), stops and reaps the daemon, and removes its socket. */
    @Override
    public void close() throws IOException {
        try (daemon) {
            frontend.close();
        }
    }
}
