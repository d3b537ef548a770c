package io.katacontainers.agent;

import io.katacontainers.agent.cgroup.OomMonitor;
import io.katacontainers.agent.channel.AgentListener;
import io.katacontainers.agent.channel.ChannelAddress;
import io.katacontainers.agent.channel.ChannelDiscovery;
import io.katacontainers.agent.channel.DebugConsole;
import io.katacontainers.agent.container.GuestSandbox;
import io.katacontainers.agent.mount.InitFilesystems;
import io.katacontainers.agent.mount.KernelMounter;
import io.katacontainers.agent.mount.Mounter;
import io.katacontainers.agent.mount.Storages;
import io.katacontainers.agent.process.Reaper;
import io.katacontainers.agent.service.AgentService;
import io.katacontainers.agent.system.GuestPlatform;
import io.katacontainers.agent.system.HostPlatform;
import io.katacontainers.agent.system.AgentPlatform;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ttrpc.TtrpcServer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Puts the agent together and runs it until DestroySandbox. */
final class Agent {
    private static final System.Logger LOG = System.getLogger(Agent.class.getName());
    /**
     * Between DestroySandbox's handler returning and the end: the ttrpc server writes the response after the
     * handler returns, and closing the server or rebooting first would lose it.
     */
    private static final Duration RESPONSE_GRACE = Duration.ofMillis(200);
    /** How long a guest waits for its agent channel device to appear. */
    private static final Duration DEVICE_WAIT = Duration.ofSeconds(5);

    private final AgentOptions options;
    private final Mounter mounter;
    private final boolean pid1 = Processes.getpid() == 1;

    Agent(AgentOptions options) {
        this.options = options;
        this.mounter = new KernelMounter(options.guest());
    }

    /** The platform the agent acts on; needed early, so that a PID 1 can end the VM even if startup fails. */
    AgentPlatform platform() {
        Path sandboxDir = options.stateDir().resolve("sandbox");
        return options.guest() ? new GuestPlatform(mounter, sandboxDir, options.shutdown(), pid1)
                : new HostPlatform(sandboxDir);
    }

    /** Serves until DestroySandbox, then ends the platform (a guest reboots; a host agent returns). */
    void run(AgentPlatform platform) throws IOException, InterruptedException {
        if (pid1) {
            InitFilesystems.setUp(mounter);
        }
        Files.createDirectories(options.stateDir());
        var destroyed = new CountDownLatch(1);
        try (Reaper reaper = Reaper.start(); OomMonitor oom = OomMonitor.start();
             DebugConsole console = new DebugConsole(reaper, options.debugConsole().orElse(0))) {
            var sandbox = new GuestSandbox(options.runtime(), options.stateDir(), options.cgroupParent(), reaper,
                    mounter, new Storages(mounter), options.runtimeTimeout(), oom);
            try (var server = new TtrpcServer(AgentService.definitions(sandbox, platform, destroyed::countDown))) {
                List<AgentListener> channels = open(server);
                try {
                    // After the agent's channel: its device wait covers the console's port, which comes with it.
                    if (options.debugConsole().isPresent()) {
                        console.start();
                    }
                    LOG.log(Level.INFO, "agent ready (pid {0}, runtime {1}, {2} mode)",
                            Integer.toString(Processes.getpid()),
                            options.runtime(), options.guest() ? "guest" : "host");
                    destroyed.await();
                    Thread.sleep(RESPONSE_GRACE);
                } finally {
                    channels.forEach(AgentListener::close);
                }
            }
        }
        LOG.log(Level.INFO, "sandbox destroyed, agent stops");
        platform.shutDown();
    }

    private List<AgentListener> open(TtrpcServer server) throws IOException, InterruptedException {
        List<AgentListener> channels = new ArrayList<>();
        try {
            for (ChannelAddress address : addresses()) {
                AgentListener channel = AgentListener.of(address);
                channels.add(channel);
                channel.start(server);
            }
            return channels;
        } catch (IOException | RuntimeException e) {
            channels.forEach(AgentListener::close);
            throw e;
        }
    }

    /** The configured addresses, or whichever of Kata's two channels the guest has. */
    private List<ChannelAddress> addresses() throws IOException, InterruptedException {
        if (!options.listen().isEmpty()) {
            return options.listen();
        }
        Instant deadline = Instant.now().plus(DEVICE_WAIT);
        while (true) {
            List<ChannelAddress> found = ChannelDiscovery.available();
            if (!found.isEmpty()) {
                return found;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("no agent channel: neither /dev/vsock nor a virtio-serial port named "
                        + ChannelAddress.DEFAULT_SERIAL_PORT + " appeared within " + DEVICE_WAIT + "; pass --listen");
            }
            Thread.sleep(50);
        }
    }
}
