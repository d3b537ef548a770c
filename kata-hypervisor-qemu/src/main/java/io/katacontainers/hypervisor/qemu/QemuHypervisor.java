package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.hypervisor.ColdPlugDevices;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.api.hypervisor.Hypervisor;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.UnsupportedDeviceException;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.api.hypervisor.VmState;
import io.katacontainers.api.process.ChildProcess;
import io.katacontainers.api.process.ProcessLauncher;
import io.katacontainers.api.virtiofs.VirtiofsDaemon;
import io.katacontainers.api.virtiofs.VirtiofsdCommand;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.hypervisor.qemu.cmdline.AgentChannel;
import io.katacontainers.hypervisor.qemu.cmdline.QemuCommandLine;
import io.katacontainers.hypervisor.qemu.cmdline.RunFiles;
import io.katacontainers.hypervisor.qemu.cmdline.TemplateMemory;
import io.katacontainers.hypervisor.qemu.qmp.QmpClient;
import io.katacontainers.hypervisor.qemu.qmp.QmpException;
import io.katacontainers.hypervisor.qemu.qmp.QmpStatus;
import io.katacontainers.hypervisor.qemu.qmp.TapHandover;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One QEMU VM. Lifecycle calls hold one lock, so a shutdown racing a delete runs one after the other: the
 * first stops the VM, the others find it stopped. QEMU and virtiofsd are children of this JVM (no
 * {@code -daemonize}), so they are always reaped, and they get SIGKILL if this JVM dies.
 */
final class QemuHypervisor implements Hypervisor {
    private static final System.Logger LOG = System.getLogger(QemuHypervisor.class.getName());
    private static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
    /** How long a QEMU whose QMP handshake failed gets to exit, so the error can say how it ended. */
    private static final Duration EXIT_REPORT_WAIT = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_BYTES = 2048;

    /** Builds QEMU's command line for the devices added so far. */
    interface CommandLines {
        QemuCommandLine build(Optional<AgentChannel> agent, Optional<Device.SharedFs> sharedFs,
                              List<Device.Block> disks, List<Device.Network> networks,
                              Optional<TemplateMemory> template);
    }

    /** What a VM is to VM templates: the one a template is made of, or a clone of one. */
    sealed interface TemplateRole {
        /** The template's directory. */
        Path dir();

        /** Boots cold with its RAM in {@code dir}'s memory file, to be saved there. */
        record Template(Path dir) implements TemplateRole {
        }

        /** Restored from the (checked) template in {@code dir}, with a private copy of its RAM. */
        record Clone(Path dir) implements TemplateRole {
        }
    }

    /** How long a migration to or from a template may take at most, beside the caller's deadline. */
    private static final Duration MIGRATION_POLL = Duration.ofMillis(20);

    private final VmSpec spec;
    private final RunFiles files;
    private final CommandLines commandLines;
    /** The host's way to carry a vsock device: vhost-vsock with a fresh context id, or virtio-serial. */
    private final AgentChannel hostChannel;
    private final ProcessLauncher launcher;
    private final ReentrantLock lifecycle = new ReentrantLock();

    private volatile VmState state = VmState.CREATED;
    private final ColdPlugDevices devices = new ColdPlugDevices(QemuDriver.NAME,
            Set.of(Device.Vsock.class, Device.SharedFs.class, Device.Block.class, Device.Network.class));
    /** The command line QEMU was started with; built from the devices at start. */
    private QemuCommandLine commandLine;
    private volatile ChildProcess qemu;
    private VirtiofsDaemon virtiofsd;
    /** Why virtiofsd ended under a running VM, once it has (written by the JDK's process-exit thread). */
    private volatile String sharedFsLost;
    /** Set before a stop asks QEMU to quit: virtiofsd then ends with QEMU's vhost-user connection, as it should. */
    private volatile boolean stopping;
    private QmpClient qmp;
    private boolean closed;
    private final Optional<TemplateRole> role;

    QemuHypervisor(VmSpec spec, RunFiles files, AgentChannel hostChannel, CommandLines commandLines,
                   ProcessLauncher launcher) {
        this(spec, files, hostChannel, commandLines, launcher, Optional.empty());
    }

    QemuHypervisor(VmSpec spec, RunFiles files, AgentChannel hostChannel, CommandLines commandLines,
                   ProcessLauncher launcher, Optional<TemplateRole> role) {
        this.role = role;
        this.spec = spec;
        this.files = files;
        this.hostChannel = hostChannel;
        this.commandLines = commandLines;
        this.launcher = launcher;
    }

    /**
     * Cold-plug only: a vsock (vhost-vsock or virtio-serial, as the host allows) and a virtio-fs share, once each,
     * virtio-blk disks and virtio-net NICs on taps.
     */
    @Override
    public void addDevice(Device device) throws HypervisorException {
        lifecycle.lock();
        try {
            if (role.isPresent() && (device instanceof Device.Network || device instanceof Device.Block)) {
                throw new UnsupportedDeviceException(device, QemuDriver.NAME, "a VM template or a clone of one "
                        + "carries no NIC or disk yet; such sandboxes boot cold");
            }
            if (role.orElse(null) instanceof TemplateRole.Template && device instanceof Device.SharedFs) {
                throw new UnsupportedDeviceException(device, QemuDriver.NAME, "a template VM has no shared "
                        + "filesystem: each clone gets its own after the restore");
            }
            if (device instanceof Device.SharedFs shared && state == VmState.CREATED && !closed) {
                checkShare(shared);
            }
            devices.add(device, closed ? VmState.STOPPED : state);
        } finally {
            lifecycle.unlock();
        }
    }

    private void checkShare(Device.SharedFs shared) throws HypervisorException {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(shared.source())) {
            problems.add("shared directory " + shared.source() + " does not exist");
        }
        if (!Files.isExecutable(spec.virtiofsd())) {
            problems.add("virtiofsd " + spec.virtiofsd() + " is not an executable file");
        }
        if (!problems.isEmpty()) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": " + String.join("; ", problems));
        }
    }

    @Override
    public void start(Duration timeout) throws HypervisorException {
        lifecycle.lock();
        try {
            if (closed || state != VmState.CREATED) {
                throw new HypervisorException("sandbox " + spec.sandboxId() + ": cannot start a VM that is "
                        + (closed ? "closed" : state.name().toLowerCase()) + "; create a new one");
            }
            if (role.orElse(null) instanceof TemplateRole.Clone clone) {
                checkTemplate(clone.dir());
            }
            Instant deadline = Instant.now().plus(timeout);
            commandLine = build();
            boolean started = false;
            try {
                launch(deadline);
                started = true;
            } catch (IOException | QmpException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                // Release first, so the logs are complete when the message quotes them.
                IllegalStateException unreaped = null;
                try {
                    releaseAll();
                } catch (IllegalStateException release) {
                    unreaped = release;
                }
                HypervisorException failure = new HypervisorException("sandbox " + spec.sandboxId()
                        + ": QEMU did not start: " + e.getMessage() + diagnostics(), e);
                if (unreaped != null) {
                    failure.addSuppressed(unreaped);
                }
                throw failure;
            } finally {
                // Also after unchecked failures: a half-started VM must not leave processes behind.
                if (!started) {
                    releaseAll();
                    state = VmState.STOPPED;
                }
            }
            state = VmState.RUNNING;
            LOG.log(System.Logger.Level.INFO, () -> "sandbox " + spec.sandboxId() + ": QEMU " + qmp.qemuVersion()
                    + " runs as pid " + qemu.pid() + " (" + commandLine.machine().configName() + ", "
                    + commandLine.acceleration().kind().accel() + ")");
        } finally {
            lifecycle.unlock();
        }
    }

    private void launch(Instant deadline) throws IOException, QmpException, InterruptedException {
        Files.createDirectories(files.dir());
        for (Path socket : files.sockets()) {
            // QEMU replaces its server sockets; the QMP socket is bound here, where a stale file would be in the way.
            Files.deleteIfExists(socket);
        }
        if (role.orElse(null) instanceof TemplateRole.Clone clone) {
            copyMemory(clone.dir());
        }
        Optional<Device.SharedFs> shared = devices.first(Device.SharedFs.class);
        if (shared.isPresent()) {
            VirtiofsDaemon daemon = VirtiofsDaemon.start(launcher, VirtiofsdCommand.forVm(spec,
                    shared.get(), files.virtiofsSocket()), files.virtiofsdLog(), deadline);
            virtiofsd = daemon;
            daemon.process().whenExited(() -> virtiofsdExited(daemon));
        }
        try (ServerSocketChannel qmpListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            qmpListener.bind(UnixDomainSocketAddress.of(files.qmpSocket()));
            qemu = launcher.launch("qemu", commandLine.arguments(), files.qemuLog());
            // QEMU's end (a bad option, a missing kernel) closes the listener, which ends the wait at once.
            qemu.whenExited(() -> closeQuietly(qmpListener));
            try {
                qmp = QmpClient.accept(qmpListener, files.qmpSocket(), deadline);
            } catch (QmpException e) {
                // A lost or refused handshake is QEMU on its way out (it connects before it loads the kernel):
                // its exit, awaited briefly, says why.
                if (qemu.awaitExit(EXIT_REPORT_WAIT)) {
                    throw new QmpException(qemu + " " + qemu.exitDescription() + " before QMP answered", e);
                }
                throw e;
            }
        } finally {
            Files.deleteIfExists(files.qmpSocket()); // connected, the listener's file serves nobody
        }
        attachTaps();
        if (role.orElse(null) instanceof TemplateRole.Clone clone) {
            restore(clone.dir(), deadline);
            if (shared.isPresent()) {
                plugSharedFs(shared.get(), deadline);
            }
        }
        QmpStatus status = qmp.queryStatus(remaining(deadline));
        if (!status.running()) {
            throw new QmpException("QEMU is up but its VM is " + status.status());
        }
    }

    /**
     * The clone's RAM: a private copy of the template's (holes stay holes), which this QEMU and its virtiofsd map
     * shared; the template's file is only read.
     */
    private void copyMemory(Path templateDir) throws IOException, InterruptedException {
        Path copy = files.dir().resolve(QemuTemplate.MEMORY);
        Process cp = new ProcessBuilder("cp", "--sparse=always", templateDir.resolve(QemuTemplate.MEMORY).toString(),
                copy.toString()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                        new java.io.File("/dev/null"))).start();
        String output = new String(cp.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (cp.waitFor() != 0) {
            throw new IOException("cannot copy the template's memory to " + copy + ": " + output.strip());
        }
    }

    /**
     * Loads the template's device state into this QEMU (started with {@code -incoming defer}) and runs the VM. The
     * state file reaches QEMU as a descriptor ({@code fd:} migration): {@code exec:} would fork a shell, which the
     * seccomp sandbox ({@code spawn=deny}) forbids.
     */
    private void restore(Path templateDir, Instant deadline) throws IOException, QmpException, InterruptedException {
        qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                List.of(Map.of("capability", "x-ignore-shared", "state", true))), remaining(deadline));
        try (Fd state = Libc.open(templateDir.resolve(QemuTemplate.STATE), Libc.O_RDONLY | Libc.O_CLOEXEC);
             TapHandover monitor = TapHandover.connect(commandLine.tapMonitor())) {
            monitor.execute("{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"template\"}}", state.get());
            monitor.execute("{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"fd:template\"}}", -1);
            awaitMigration("restoring the template", deadline);
        }
        qmp.cont(remaining(deadline));
    }

    /**
     * The clone's own virtio-fs share: virtiofsd's socket as a new chardev, a vhost-user-fs device on the root
     * port the template left empty. The guest agent finds it by rescanning PCI when it mounts the tag.
     */
    private void plugSharedFs(Device.SharedFs shared, Instant deadline) throws QmpException {
        qmp.execute("chardev-add", Map.of("id", "virtiofs", "backend", Map.of("type", "socket", "data", Map.of(
                "addr", Map.of("type", "unix", "data", Map.of("path", files.virtiofsSocket().toString())),
                "server", false))), remaining(deadline));
        qmp.execute("device_add", Map.of("driver", "vhost-user-fs-pci", "id", "virtiofs0", "chardev", "virtiofs",
                "tag", shared.tag(), "bus", TemplateMemory.SHARED_FS_PORT), remaining(deadline));
    }

    /** Waits for QEMU's migration (out to a template or in from one) to complete; a failure says why. */
    private void awaitMigration(String what, Instant deadline) throws QmpException, InterruptedException {
        while (true) {
            var answer = qmp.execute("query-migrate", remaining(deadline));
            String status = answer.path("status").asText("");
            switch (status) {
                case "completed" -> {
                    return;
                }
                case "failed", "cancelled" -> throw new QmpException(what + " failed: "
                        + answer.path("error-desc").asText(status));
                default -> {
                    if (remaining(deadline).isZero()) {
                        throw new QmpException(what + " did not complete in time (migration " + status + ")");
                    }
                    // QEMU 7.2 reports a migration's end as an event only with the events capability, which the
                    // QMP client does not wait on; its status is polled instead, at a short interval.
                    Thread.sleep(MIGRATION_POLL);
                }
            }
        }
    }

    /**
     * Saves the paused template VM: its device state with {@code x-ignore-shared} (the RAM stays in its file),
     * then the manifest clones are checked against.
     */
    @Override
    public void saveTemplate(Duration timeout) throws HypervisorException {
        lifecycle.lock();
        try {
            if (!(role.orElse(null) instanceof TemplateRole.Template template) || state() != VmState.PAUSED) {
                throw new HypervisorException("sandbox " + spec.sandboxId() + ": only a paused VM made by "
                        + "createTemplate can be saved as a template (this one is " + state().name().toLowerCase()
                        + ")");
            }
            Instant deadline = Instant.now().plus(timeout);
            Path stateFile = template.dir().resolve(QemuTemplate.STATE);
            Path partial = template.dir().resolve(QemuTemplate.STATE + ".tmp");
            qmp.execute("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "x-ignore-shared", "state", true))), remaining(deadline));
            try (Fd out = Libc.open(partial, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
                 TapHandover monitor = TapHandover.connect(commandLine.tapMonitor())) {
                monitor.execute("{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"template\"}}", out.get());
                monitor.execute("{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:template\"}}", -1);
                awaitMigration("saving the template", deadline);
            }
            Files.move(partial, stateFile, StandardCopyOption.ATOMIC_MOVE);
            new QemuTemplate(QemuTemplate.FORMAT, identity(), QemuTemplate.sha256(stateFile)).write(template.dir());
            LOG.log(System.Logger.Level.INFO, () -> "sandbox " + spec.sandboxId() + ": saved as a VM template in "
                    + template.dir());
        } catch (QmpException | IOException e) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": saving the VM template failed: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": interrupted while saving the template",
                    e);
        } finally {
            lifecycle.unlock();
        }
    }

    /** What a clone of this VM must match (see {@link QemuTemplate#identityOf}). */
    Map<String, String> identity() throws IOException {
        QemuCommandLine line = commandLine();
        return QemuTemplate.identityOf(spec, line.machine().configName(), line.kernelCommandLine(),
                devices.all(Device.Vsock.class).stream().map(Device.Vsock::port).toList());
    }

    /**
     * Checks the template in {@code dir} against this clone (before start, with its vsocks added): the message
     * of a refusal names every difference.
     */
    void checkTemplate(Path dir) throws HypervisorException {
        lifecycle.lock();
        try {
            QemuTemplate.load(dir, identity(), spec.memoryMiB() * 1024 * 1024);
        } catch (IOException e) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": cannot describe this VM to check the "
                    + "template against it: " + e.getMessage(), e);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * virtiofsd ended while QEMU runs: the guest's root filesystems and volumes are gone and every access to them
     * would hang, so the VM goes too (as Kata does), which ends the agent's connection and with it every
     * container. After a stop QEMU is gone first, and this does nothing.
     */
    private void virtiofsdExited(VirtiofsDaemon daemon) {
        ChildProcess process = qemu;
        if (stopping || process == null || !process.isAlive()) {
            return;
        }
        sharedFsLost = daemon.process().exitReport();
        LOG.log(System.Logger.Level.ERROR, "sandbox " + spec.sandboxId() + ": " + sharedFsLost
                + "; the shared filesystem is gone, stopping the VM (QEMU pid " + process.pid() + ")");
        try {
            process.kill();
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.ERROR, "sandbox " + spec.sandboxId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Each NIC started on a hub of its own; its tap joins that hub now. The guest is still booting its kernel, so
     * no frame it sends is lost. vhost-net needs the tap as the NIC's direct peer, which a hub is not: off.
     */
    private void attachTaps() throws QmpException {
        List<Device.Network> networks = commandLine.networks();
        if (networks.isEmpty()) {
            return;
        }
        try (TapHandover handover = TapHandover.connect(commandLine.tapMonitor())) {
            for (int index = 0; index < networks.size(); index++) {
                handover.attach(index, networks.get(index).tapFd(), false);
            }
        }
    }

    private void closeQuietly(ServerSocketChannel listener) {
        try {
            listener.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "closing the QMP listener: " + e.getMessage());
        }
    }

    @Override
    public AgentEndpoint agentEndpoint() {
        return agent().orElseThrow(() -> new IllegalStateException("sandbox " + spec.sandboxId()
                + ": the VM has no vsock device, so no agent endpoint")).endpoint();
    }

    private QemuCommandLine build() {
        if (role.isPresent()) {
            Path memory = role.get() instanceof TemplateRole.Clone ? files.dir().resolve(QemuTemplate.MEMORY)
                    : role.get().dir().resolve(QemuTemplate.MEMORY);
            return commandLines.build(agent(), Optional.empty(), devices.all(Device.Block.class),
                    devices.all(Device.Network.class),
                    Optional.of(new TemplateMemory(memory, role.get() instanceof TemplateRole.Clone)));
        }
        return commandLines.build(agent(), devices.first(Device.SharedFs.class), devices.all(Device.Block.class),
                devices.all(Device.Network.class), Optional.empty());
    }

    @Override
    public AgentEndpoint endpoint(int vsockPort) {
        return agent().orElseThrow(() -> new IllegalStateException("sandbox " + spec.sandboxId()
                + ": the VM has no vsock device")).endpoint(vsockPort);
    }

    /** The host's channel carrying the added vsock devices' ports, the agent's (the first added) first. */
    private Optional<AgentChannel> agent() {
        List<Integer> ports = devices.all(Device.Vsock.class).stream().map(Device.Vsock::port).toList();
        return ports.isEmpty() ? Optional.empty() : Optional.of(hostChannel.forPorts(ports));
    }

    @Override
    public void pause() throws HypervisorException {
        transition(VmState.RUNNING, VmState.PAUSED, "pause");
    }

    @Override
    public void resume() throws HypervisorException {
        transition(VmState.PAUSED, VmState.RUNNING, "resume");
    }

    private void transition(VmState from, VmState to, String action) throws HypervisorException {
        lifecycle.lock();
        try {
            VmState current = state();
            if (current != from) {
                throw new HypervisorException("sandbox " + spec.sandboxId() + ": cannot " + action + " a VM that is "
                        + current.name().toLowerCase());
            }
            if (to == VmState.PAUSED) {
                qmp.stop(QMP_TIMEOUT);
            } else {
                qmp.cont(QMP_TIMEOUT);
            }
            state = to;
        } catch (QmpException e) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": " + action + " failed: "
                    + e.getMessage(), e);
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * QMP {@code quit}, then waits for QEMU to exit; SIGKILL if QMP failed or QEMU still runs at the deadline.
     * virtiofsd, QEMU's only client, then exits by itself; whatever still runs is killed and reaped.
     */
    @Override
    public void stop(Duration timeout) throws HypervisorException {
        lifecycle.lock();
        try {
            if (state == VmState.STOPPED) {
                return;
            }
            Instant deadline = Instant.now().plus(timeout);
            stopping = true;
            try {
                if (qemu != null && qemu.isAlive()) {
                    quitQemu(deadline);
                }
                if (virtiofsd != null) {
                    // It exits by itself once QEMU, its only client, has gone.
                    virtiofsd.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId()
                        + ": interrupted while stopping the VM; killing its processes");
            } finally {
                state = VmState.STOPPED;
                releaseAll();
            }
        } catch (IllegalStateException | IOException e) {
            throw new HypervisorException("sandbox " + spec.sandboxId() + ": " + e.getMessage(), e);
        } finally {
            lifecycle.unlock();
        }
    }

    /** Asks QEMU to quit and waits for it; returns early when QMP fails, since QEMU will not exit then. */
    private void quitQemu(Instant deadline) throws InterruptedException {
        try {
            qmp.quit(min(QMP_TIMEOUT, remaining(deadline)));
        } catch (QmpException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId() + ": QMP quit failed ("
                    + e.getMessage() + "); killing QEMU pid " + qemu.pid());
            return;
        }
        if (!qemu.awaitExit(remaining(deadline))) {
            LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId() + ": QEMU pid " + qemu.pid()
                    + " still runs at the stop deadline; killing it");
        }
    }

    /** Closes QMP, then SIGKILLs and reaps every child still running. */
    private void releaseAll() {
        stopping = true;
        if (qmp != null) {
            try {
                qmp.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId() + ": closing QMP: "
                        + e.getMessage(), e);
            }
        }
        launcher.close();
        if (role.orElse(null) instanceof TemplateRole.Clone) {
            // The clone's copy of the template's RAM: as large as the guest's touched memory, on tmpfs.
            try {
                Files.deleteIfExists(files.dir().resolve(QemuTemplate.MEMORY));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId() + ": cannot remove the clone's "
                        + "memory file: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public VmState state() {
        VmState current = state;
        ChildProcess process = qemu;
        // QEMU exits on its own when the guest reboots or panics (-no-reboot): it is stopped then.
        if ((current == VmState.RUNNING || current == VmState.PAUSED) && !process.isAlive()) {
            return VmState.STOPPED;
        }
        return current;
    }

    /**
     * Why the VM stopped on its own: QEMU's exit status and the last lines it logged (a KVM entry failure, a triple
     * fault with {@code -no-reboot}), and those of any helper process that died with it.
     */
    @Override
    public Optional<String> endReason() {
        ChildProcess process = qemu;
        if (process == null || process.isAlive()) {
            return Optional.empty();
        }
        StringBuilder why = new StringBuilder();
        String lost = sharedFsLost;
        if (lost != null) {
            why.append(lost).append(", so QEMU was killed; ");
        }
        why.append("QEMU ").append(process.exitDescription());
        for (ChildProcess child : launcher.children()) {
            if (child.isAlive()) {
                continue;
            }
            String tail = child.logTail(LOG_TAIL_BYTES).strip();
            if (child != process) {
                why.append("; ").append(child.name()).append(' ').append(child.exitDescription());
            }
            if (!tail.isEmpty()) {
                why.append("; ").append(child.name()).append(" said:\n").append(tail);
            }
        }
        return Optional.of(why.toString());
    }

    @Override
    public Optional<Path> consoleLog() {
        return Optional.of(files.console());
    }

    @Override
    public String consoleTail() {
        return ChildProcess.tail(files.console(), LOG_TAIL_BYTES);
    }

    @Override
    public long vmmPid() {
        ChildProcess process = qemu;
        return process == null ? -1 : process.pid();
    }

    /** Stops the VM if needed and reaps every process; idempotent, from any thread. */
    @Override
    public void close() {
        lifecycle.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            stop(CLOSE_TIMEOUT);
        } catch (HypervisorException e) {
            LOG.log(System.Logger.Level.WARNING, "sandbox " + spec.sandboxId() + ": closing the VM: "
                    + e.getMessage(), e);
        } finally {
            lifecycle.unlock();
        }
    }

    /** How many times each QMP command was sent (empty before start). */
    Map<String, Long> qmpCommandCounts() {
        lifecycle.lock();
        try {
            return qmp == null ? Map.of() : qmp.commandCounts();
        } finally {
            lifecycle.unlock();
        }
    }

    /** The command line QEMU runs with, or, before start, the one the devices added so far give. */
    QemuCommandLine commandLine() {
        lifecycle.lock();
        try {
            return commandLine != null ? commandLine : build();
        } finally {
            lifecycle.unlock();
        }
    }

    /** Every process started for this VM, running or not. */
    List<ChildProcess> children() {
        return launcher.children();
    }

    private String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (ChildProcess child : launcher.children()) {
            String tail = child.logTail(LOG_TAIL_BYTES).strip();
            if (!tail.isEmpty()) {
                text.append("\n").append(child.name()).append(" said:\n").append(tail);
            }
        }
        String console = consoleTail().strip();
        if (!console.isEmpty()) {
            text.append("\nguest console:\n").append(console);
        }
        return text.toString();
    }

    private static Duration remaining(Instant deadline) {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
