package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.CgroupStats;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import io.katacontainers.runtime.agent.AgentClient;
import io.katacontainers.runtime.persist.ContainerState;
import io.katacontainers.runtime.persist.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * runc's commands on a running container, through the sandbox holder: {@code ps}, {@code pause}, {@code resume},
 * {@code update}, {@code events}.
 */
final class ContainerCommands {
    private ContainerCommands() {
    }

    static List<Object> all(StateStore store) {
        return List.of(new Ps(store), new PauseCommand(store), new ResumeCommand(store), new Update(store),
                new Events(store));
    }

    /** A container that exists and whose holder is alive, for the commands that reach its agent. */
    static ContainerState live(OciCommands.Base command, String id) throws Exception {
        ContainerState state = command.load(id);
        if (!state.holderAlive() || ContainerState.STOPPED.equals(state.status())) {
            throw new OciCommands.Failure("container " + id + " is not running");
        }
        return state;
    }

    @Command(name = "ps", mixinStandardHelpOptions = true,
            description = {"List a container's processes.", "",
                    "json: the host pids that stand for the container's processes (the sandbox holder for the "
                    + "init process, a relay for each exec), as containerd reads them; table: ps run inside the "
                    + "container, with the PS_ARGS given."})
    static final class Ps extends OciCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Parameters(index = "1..*", arity = "0..*", paramLabel = "PS_ARGS")
        List<String> psArgs = new ArrayList<>();
        @Option(names = {"-f", "--format"}, defaultValue = "table", paramLabel = "FORMAT",
                description = "table or json (default: ${DEFAULT-VALUE}).")
        String format;

        Ps(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            ContainerState state = live(this, id);
            if (format.equals("json")) {
                out().println(ContainerState.toJson(hostPids(state)));
                out().flush();
                return 0;
            }
            if (!format.equals("table")) {
                throw new OciCommands.Failure("invalid format option: use table or json");
            }
            List<String> args = new ArrayList<>(List.of("exec", id, "ps"));
            args.addAll(psArgs);
            return spec.root().commandLine().execute(args.toArray(String[]::new));
        }

        private List<Long> hostPids(ContainerState state) throws IOException {
            List<Long> pids = new ArrayList<>(List.of(state.pid()));
            Path relays = store.sandboxDir(id).resolve(ExecCommand.RELAYS);
            if (Files.isDirectory(relays)) {
                try (var files = Files.list(relays)) {
                    for (Path file : files.sorted().toList()) {
                        readPid(file).filter(pid -> ProcessHandle.of(pid).isPresent()).ifPresent(pids::add);
                    }
                }
            }
            return pids;
        }

        private static Optional<Long> readPid(Path file) {
            try {
                return Optional.of(Long.parseLong(Files.readString(file).trim()));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty(); // the relay is writing or removing it right now
            }
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Freeze every process of a container (its cgroup in the VM).")
    static final class PauseCommand extends Freeze {
        PauseCommand(StateStore store) {
            super(store, true);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Thaw the processes of a container frozen by 'kata-runtime pause'.")
    static final class ResumeCommand extends Freeze {
        ResumeCommand(StateStore store) {
            super(store, false);
        }
    }

    abstract static class Freeze extends OciCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        private final boolean freeze;

        Freeze(StateStore store, boolean freeze) {
            super(store);
            this.freeze = freeze;
        }

        @Override
        int run() throws Exception {
            ContainerState state = live(this, id);
            String status = state.status();
            if (freeze && !ContainerState.RUNNING.equals(status) && !ContainerState.CREATED.equals(status)) {
                throw new OciCommands.Failure("container " + id + " is not running");
            }
            if (!freeze && !ContainerState.PAUSED.equals(status)) {
                throw new OciCommands.Failure("container " + id + " is not paused");
            }
            try (AgentClient agent = connect(id)) {
                if (freeze) {
                    agent.pauseContainer(id);
                } else {
                    agent.resumeContainer(id);
                }
            }
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a container's resource limits (its cgroup in the VM).")
    static final class Update extends OciCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Option(names = {"-r", "--resources"}, paramLabel = "FILE",
                description = "runtime-spec linux.resources JSON, '-' for stdin; the other flags are then ignored.")
        String resources;
        @Option(names = "--blkio-weight", paramLabel = "N") Integer blkioWeight;
        @Option(names = "--cpu-period", paramLabel = "USECS") Long cpuPeriod;
        @Option(names = "--cpu-quota", paramLabel = "USECS") Long cpuQuota;
        @Option(names = "--cpu-share", paramLabel = "N") Long cpuShare;
        @Option(names = "--cpu-rt-period", paramLabel = "USECS") Long cpuRtPeriod;
        @Option(names = "--cpu-rt-runtime", paramLabel = "USECS") Long cpuRtRuntime;
        @Option(names = "--cpuset-cpus", paramLabel = "CPUS") String cpusetCpus;
        @Option(names = "--cpuset-mems", paramLabel = "MEMS") String cpusetMems;
        @Option(names = "--memory", paramLabel = "BYTES") String memory;
        @Option(names = "--memory-reservation", paramLabel = "BYTES") String memoryReservation;
        @Option(names = "--memory-swap", paramLabel = "BYTES") String memorySwap;
        @Option(names = "--pids-limit", paramLabel = "N") Long pidsLimit;
        @Option(names = "--l3-cache-schema", paramLabel = "SCHEMA",
                description = "Intel RDT: not available in the VM (refused).") String l3CacheSchema;
        @Option(names = "--mem-bw-schema", paramLabel = "SCHEMA",
                description = "Intel RDT: not available in the VM (refused).") String memBwSchema;

        Update(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            live(this, id);
            LinuxResources update = resources != null ? fromJson() : fromFlags();
            try (AgentClient agent = connect(id)) {
                agent.updateContainer(id, update);
            }
            return 0;
        }

        private LinuxResources fromJson() throws Exception {
            byte[] json = resources.equals("-") ? System.in.readAllBytes()
                    : Files.readAllBytes(Path.of(resources));
            try {
                return OciSpecJson.fromJson(new ObjectMapper().readTree(json), LinuxResources.newBuilder(),
                        key -> { }).build();
            } catch (OciSpecException | IOException e) {
                throw new OciCommands.Failure("invalid resources " + resources + ": " + e.getMessage());
            }
        }

        LinuxResources fromFlags() throws OciCommands.Failure {
            if (l3CacheSchema != null || memBwSchema != null) {
                throw new OciCommands.Failure("Intel RDT (--l3-cache-schema, --mem-bw-schema) is not available in "
                        + "the VM");
            }
            LinuxResources.Builder update = LinuxResources.newBuilder();
            if (blkioWeight != null) {
                update.getBlockIOBuilder().setWeight(blkioWeight);
            }
            if (cpuPeriod != null) {
                update.getCPUBuilder().setPeriod(cpuPeriod);
            }
            if (cpuQuota != null) {
                update.getCPUBuilder().setQuota(cpuQuota);
            }
            if (cpuShare != null) {
                update.getCPUBuilder().setShares(cpuShare);
            }
            if (cpuRtPeriod != null) {
                update.getCPUBuilder().setRealtimePeriod(cpuRtPeriod);
            }
            if (cpuRtRuntime != null) {
                update.getCPUBuilder().setRealtimeRuntime(cpuRtRuntime);
            }
            if (cpusetCpus != null) {
                update.getCPUBuilder().setCpus(cpusetCpus);
            }
            if (cpusetMems != null) {
                update.getCPUBuilder().setMems(cpusetMems);
            }
            if (memory != null) {
                update.getMemoryBuilder().setLimit(bytes("--memory", memory));
            }
            if (memoryReservation != null) {
                update.getMemoryBuilder().setReservation(bytes("--memory-reservation", memoryReservation));
            }
            if (memorySwap != null) {
                update.getMemoryBuilder().setSwap(bytes("--memory-swap", memorySwap));
            }
            if (pidsLimit != null) {
                update.getPidsBuilder().setLimit(pidsLimit);
            }
            return update.build();
        }

        /** runc's units: a number of bytes, or with a k/m/g suffix (binary), or -1 for unlimited. */
        static long bytes(String flag, String value) throws OciCommands.Failure {
            String text = value.trim().toLowerCase(java.util.Locale.ROOT).replaceFirst("i?b$", "");
            long unit = 1;
            if (!text.isEmpty() && "kmgt".indexOf(text.charAt(text.length() - 1)) >= 0) {
                unit = 1L << (10 * ("kmgt".indexOf(text.charAt(text.length() - 1)) + 1));
                text = text.substring(0, text.length() - 1);
            }
            try {
                long number = Long.parseLong(text);
                return number == -1 ? -1 : Math.multiplyExact(number, unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new OciCommands.Failure("invalid value for " + flag + ": " + value);
            }
        }
    }

    @Command(name = "events", mixinStandardHelpOptions = true,
            description = "Print the container's resource usage as runc's stats events (JSON lines).")
    static final class Events extends OciCommands.Base {
        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;
        @Option(names = "--stats", description = "Print the stats once, then exit.")
        boolean stats;
        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "5s",
                description = "Time between two stats events (Go duration: 500ms, 5s, 1m; default: ${DEFAULT-VALUE}).")
        String interval;

        Events(StateStore store) {
            super(store);
        }

        @Override
        int run() throws Exception {
            Duration every = goDuration(interval);
            live(this, id);
            try (AgentClient agent = connect(id)) {
                while (true) {
                    out().println(ContainerState.toJson(event(id, agent.statsContainer(id).getCgroupStats()))
                            .replaceAll("\\s*\\n\\s*", ""));
                    out().flush();
                    if (stats) {
                        return 0;
                    }
                    Thread.sleep(every); // the sampling period the caller asked for
                    if (!load(id).holderAlive() || ContainerState.STOPPED.equals(load(id).status())) {
                        return 0;
                    }
                }
            }
        }

        static Duration goDuration(String value) throws OciCommands.Failure {
            var matcher = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(value);
            if (!matcher.matches()) {
                throw new OciCommands.Failure("invalid --interval " + value + ": use e.g. 500ms, 5s, 1m");
            }
            long n = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }

        /** runc's {@code types.Event} of type stats, with the fields the agent reports. */
        static Map<String, Object> event(String id, CgroupStats stats) {
            var cpu = stats.getCpuStats();
            var memory = stats.getMemoryStats();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("cpu", Map.of(
                    "usage", Map.of("total", cpu.getCpuUsage().getTotalUsage(),
                            "percpu", cpu.getCpuUsage().getPercpuUsageList(),
                            "kernel", cpu.getCpuUsage().getUsageInKernelmode(),
                            "user", cpu.getCpuUsage().getUsageInUsermode()),
                    "throttling", Map.of("periods", cpu.getThrottlingData().getPeriods(),
                            "throttledPeriods", cpu.getThrottlingData().getThrottledPeriods(),
                            "throttledTime", cpu.getThrottlingData().getThrottledTime())));
            data.put("memory", Map.of(
                    "cache", memory.getCache(),
                    "usage", memoryEntry(memory.getUsage()),
                    "swap", memoryEntry(memory.getSwapUsage()),
                    "kernel", memoryEntry(memory.getKernelUsage()),
                    "raw", memory.getStatsMap()));
            data.put("pids", Map.of("current", stats.getPidsStats().getCurrent(),
                    "limit", stats.getPidsStats().getLimit()));
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("type", "stats");
            event.put("id", id);
            event.put("data", data);
            return event;
        }

        private static Map<String, Object> memoryEntry(io.katacontainers.agent.proto.MemoryData usage) {
            return Map.of("limit", usage.getLimit(), "usage", usage.getUsage(), "max", usage.getMaxUsage(),
                    "failcnt", usage.getFailcnt());
        }
    }
}
