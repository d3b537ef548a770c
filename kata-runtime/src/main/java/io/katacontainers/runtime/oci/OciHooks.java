package io.katacontainers.runtime.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Hook;
import io.katacontainers.agent.proto.Hooks;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.FdStreams;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.PidFd;
import io.katacontainers.ffm.libc.Pipes;
import io.katacontainers.ffm.libc.PosixSpawn;
import io.katacontainers.ffm.libc.Processes;
import io.katacontainers.ffm.libc.SyscallException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The OCI hooks that run on the host ({@code prestart}, {@code createRuntime}, {@code poststart},
 * {@code poststop}), as runc runs them: each hook's program at {@code path} with exactly its {@code args} (argv[0]
 * included: Docker's {@code libnetwork-setkey} is dockerd re-executed under that name) and exactly its {@code env},
 * the container's state JSON on stdin, killed after {@code timeout} seconds. The hooks of a stage run one after the
 * other, in the spec's order. The {@code createContainer} and {@code startContainer} hooks belong to the
 * container's namespaces, which are in the VM: they are not run on the host.
 */
public final class OciHooks {
    private static final System.Logger LOG = System.getLogger(OciHooks.class.getName());
    /** How much of a hook's output an error quotes. */
    private static final int OUTPUT_LIMIT = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The stages that run on the host, with their names in the spec. */
    public enum Stage {
        PRESTART("prestart"), CREATE_RUNTIME("createRuntime"), POSTSTART("poststart"), POSTSTOP("poststop");

        private final String specName;

        Stage(String specName) {
            this.specName = specName;
        }

        public String specName() {
            return specName;
        }

        List<Hook> of(Hooks hooks) {
            return switch (this) {
                case PRESTART -> hooks.getPrestartList();
                case CREATE_RUNTIME -> hooks.getCreateRuntimeList();
                case POSTSTART -> hooks.getPoststartList();
                case POSTSTOP -> hooks.getPoststopList();
            };
        }
    }

    /** A hook that failed: it could not start, exited non-zero, was killed, or outlived its timeout. */
    public static final class HookException extends Exception {
        public HookException(String message) {
            super(message);
        }
    }

    private OciHooks() {
    }

    /**
     * The runtime spec's state of a container as a hook reads it on stdin ({@code ociVersion}, {@code id},
     * {@code status}, {@code pid}, {@code bundle}, {@code annotations} when there are any), on one line.
     */
    public static String state(String ociVersion, String id, String status, long pid, Path bundle,
                               Map<String, String> annotations) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("ociVersion", ociVersion);
        state.put("id", id);
        state.put("status", status);
        state.put("pid", pid);
        state.put("bundle", bundle.toAbsolutePath().toString());
        if (!annotations.isEmpty()) {
            state.put("annotations", annotations);
        }
        try {
            return JSON.writeValueAsString(state);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }

    /**
     * Runs the hooks of {@code stage} in order; the first failure stops the stage and is thrown, with the hook's
     * output in its message ({@code prestart} and {@code createRuntime}: the create fails).
     */
    public static void run(Hooks hooks, Stage stage, String stateJson) throws HookException, InterruptedException {
        List<Hook> list = stage.of(hooks);
        for (int i = 0; i < list.size(); i++) {
            runOne(list.get(i), stage.specName() + " hook #" + i, stateJson);
        }
    }

    /**
     * Runs every hook of {@code stage}, a failure only logged as a warning ({@code poststart}, {@code poststop}:
     * the runtime spec says the life cycle goes on).
     */
    public static void runWarning(Hooks hooks, Stage stage, String stateJson) throws InterruptedException {
        List<Hook> list = stage.of(hooks);
        for (int i = 0; i < list.size(); i++) {
            try {
                runOne(list.get(i), stage.specName() + " hook #" + i, stateJson);
            } catch (HookException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage());
            }
        }
    }

    static void runOne(Hook hook, String name, String stateJson) throws HookException, InterruptedException {
        if (!hook.getPath().startsWith("/")) {
            throw new HookException(name + ": path " + hook.getPath() + " is not absolute");
        }
        List<String> argv = hook.getArgsCount() > 0 ? hook.getArgsList() : List.of(hook.getPath());
        String what = name + " (" + String.join(" ", argv) + ")";
        Pipes.Pipe input;
        Pipes.Pipe output;
        try {
            input = Pipes.pipe(Libc.O_CLOEXEC);
        } catch (SyscallException e) {
            throw new HookException(what + ": " + e.getMessage());
        }
        try (input) {
            output = Pipes.pipe(Libc.O_CLOEXEC);
            try (output) {
                int pid;
                try {
                    pid = PosixSpawn.spawn(Path.of(hook.getPath()), argv, hook.getEnvList(),
                            List.of(new PosixSpawn.Dup2(input.read().get(), 0),
                                    new PosixSpawn.Dup2(output.write().get(), 1),
                                    new PosixSpawn.Dup2(output.write().get(), 2)), false);
                } catch (SyscallException e) {
                    throw new HookException(what + " did not start: " + e.getMessage());
                }
                input.read().close();
                output.write().close();
                CompletableFuture<byte[]> read = readAll(output.read(), name);
                writeState(input.write(), stateJson);
                Processes.WaitStatus status = await(pid, hook.getTimeout(), what);
                String text = outputOf(read);
                if (!status.exited() || status.exitCode() != 0) {
                    throw new HookException(what + " failed with " + (status.exited()
                            ? "exit status " + status.exitCode() : "signal " + status.termSignal())
                            + (text.isBlank() ? "" : ", output: " + text.strip()));
                }
                LOG.log(System.Logger.Level.DEBUG, "{0} succeeded{1}", what, text.isBlank() ? "" : ": " + text.strip());
            }
        } catch (SyscallException e) {
            throw new HookException(what + ": " + e.getMessage());
        }
    }

    /** The state goes in whole unless the hook exits without reading it, which is its right. */
    private static void writeState(Fd fd, String stateJson) {
        Thread.ofPlatform().daemon().name("hook-stdin").start(() -> {
            try (fd; OutputStream out = FdStreams.output(fd)) {
                out.write(stateJson.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "the hook did not read all of its state: {0}", e.getMessage());
            }
        });
    }

    private static CompletableFuture<byte[]> readAll(Fd fd, String name) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("hook-output").start(() -> {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try (var in = FdStreams.input(fd)) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    if (bytes.size() < OUTPUT_LIMIT) {
                        bytes.write(buffer, 0, Math.min(n, OUTPUT_LIMIT - bytes.size()));
                    }
                }
                result.complete(bytes.toByteArray());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "reading the output of {0}: {1}", name, e.getMessage());
                result.complete(bytes.toByteArray());
            }
        });
        return result;
    }

    private static Processes.WaitStatus await(int pid, long timeoutSeconds, String what)
            throws HookException, InterruptedException, SyscallException {
        if (timeoutSeconds > 0 && !PidFd.awaitExit(pid, Duration.ofSeconds(timeoutSeconds))) {
            Processes.kill(pid, Processes.SIGKILL);
            Processes.wait4(pid, 0);
            throw new HookException(what + " timed out after " + timeoutSeconds + "s (killed)");
        }
        while (true) {
            try {
                return Processes.wait4(pid, 0).orElseThrow();
            } catch (SyscallException e) {
                if (!e.is(io.katacontainers.ffm.libc.Errno.EINTR)) {
                    throw e;
                }
            }
        }
    }

    /** What the hook wrote; its descendants may hold the pipe open, so this waits only briefly after its exit. */
    private static String outputOf(CompletableFuture<byte[]> read) throws InterruptedException {
        try {
            return new String(read.get(2, java.util.concurrent.TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return "";
        }
    }
}
