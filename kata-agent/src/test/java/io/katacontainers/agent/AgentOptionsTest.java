package io.katacontainers.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.channel.ChannelAddress;
import io.katacontainers.agent.system.ShutdownAction;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
    private static final Map<String, String> KERNEL = AgentKernelParams.parse(
            "console=ttyS0 quiet agent.server_addr=vsock://-1:2048 agent.runtime=/opt/crun agent.log=warn "
                    + "agent.shutdown=poweroff agent.debug_console");

    @Test
    void hostOptionsComeFromTheCommandLineOnly() {
        var options = AgentOptions.parse(List.of("--listen", "unix:/tmp/a.sock", "--runtime", "/usr/sbin/runc",
                "--state-dir", "/tmp/state", "--cgroup-parent", "/test/", "--log-level", "DEBUG"), false, () -> KERNEL);
        assertEquals(List.of(new ChannelAddress.Unix(Path.of("/tmp/a.sock"))), options.listen());
        assertEquals(Path.of("/usr/sbin/runc"), options.runtime());
        assertEquals(Path.of("/tmp/state"), options.stateDir());
        assertEquals("/test", options.cgroupParent());
        assertEquals(false, options.guest());
        assertEquals(ShutdownAction.REBOOT, options.shutdown());
        assertEquals(Duration.ofSeconds(120), options.runtimeTimeout());
        assertEquals(Optional.of("DEBUG"), options.logLevel());
    }

    @Test
    void aGuestFallsBackOnKernelParameters() {
        var options = AgentOptions.parse(List.of(), true, () -> KERNEL);
        assertEquals(List.of(new ChannelAddress.Vsock(2048)), options.listen());
        assertEquals(Path.of("/opt/crun"), options.runtime());
        assertEquals(Path.of("/run/kata-containers"), options.stateDir());
        assertTrue(options.guest());
        assertEquals(ShutdownAction.POWEROFF, options.shutdown());
        assertEquals(Optional.of("WARNING"), options.logLevel());
        assertEquals(OptionalInt.of(1026), options.debugConsole(), "agent.debug_console: Kata's port 1026");
        assertEquals(OptionalInt.of(2000), AgentOptions.parse(List.of("--runtime", "/x"), true,
                () -> AgentKernelParams.parse("agent.debug_console agent.debug_console_vport=2000")).debugConsole());
        assertEquals(OptionalInt.empty(), AgentOptions.parse(List.of("--runtime", "/x"), true,
                () -> AgentKernelParams.parse("agent.log=info")).debugConsole(), "off unless asked for");
        assertEquals(OptionalInt.empty(), AgentOptions.parse(List.of("--runtime", "/x"), false,
                () -> KERNEL).debugConsole(), "a host agent ignores the kernel's parameters");
        assertEquals(Path.of("/usr/bin/x"), AgentOptions.parse(List.of("--runtime", "/usr/bin/x"), true,
                () -> KERNEL).runtime(), "the command line wins");
    }

    @Test
    void mistakesAreReported() {
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(List.of("--bogus"), false, Map::of));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(List.of("--listen"), false, Map::of));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(
                List.of("--runtime", "runc"), false, Map::of));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(
                List.of("--runtime", "/x", "--shutdown", "halt"), false, Map::of));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(
                List.of("--runtime", "/x", "--log-level", "LOUD"), false, Map::of));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(
                List.of("--runtime", "/x", "--debug-console", "console"), false, Map::of));
    }

    @Test
    void channelAddressesInEveryForm() {
        assertEquals(new ChannelAddress.Vsock(1024), ChannelAddress.parse("vsock:1024"));
        assertEquals(new ChannelAddress.Vsock(1024), ChannelAddress.parse("vsock://-1:1024"));
        assertEquals(new ChannelAddress.Serial("agent.channel.0"), ChannelAddress.parse("serial:agent.channel.0"));
        assertEquals(new ChannelAddress.Serial("/dev/vport0p1"), ChannelAddress.parse("serial:///dev/vport0p1"));
        assertEquals(new ChannelAddress.Unix(Path.of("/run/a.sock")), ChannelAddress.parse("unix:///run/a.sock"));
        assertThrows(IllegalArgumentException.class, () -> ChannelAddress.parse("tcp:1.2.3.4:5"));
        assertThrows(IllegalArgumentException.class, () -> ChannelAddress.parse("vsock:port"));
        assertThrows(IllegalArgumentException.class, () -> ChannelAddress.parse("/no/scheme"));
    }
}
