package io.katacontainers.runtime.shim;

import com.google.protobuf.Empty;
import io.katacontainers.containerd.task.DeleteRequest;
import io.katacontainers.containerd.task.DeleteResponse;
import io.katacontainers.containerd.task.ShutdownRequest;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.SandboxCleanup;
import io.katacontainers.runtime.service.TaskService;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code containerd-shim-kata-v2 delete}: containerd's cleanup when its connection to the shim closed, normally
 * after Shutdown, or because the shim died. A shim that still answers is asked to delete the task (and to shut
 * down, which it only does once its pod is empty); a dead sandbox shim's VM, virtiofsd, mounts, state directory and
 * socket are removed from what is on disk. Answers Kata's DeleteResponse: killed (128 + SIGKILL), now.
 */
final class ShimDelete {
    private static final System.Logger LOG = System.getLogger(ShimDelete.class.getName());
    private static final int SIGKILL = 9;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    private ShimDelete() {
    }

    static DeleteResponse run(ShimArgs args, StateStore store) throws ShimException, IOException,
            InterruptedException {
        Path bundle = args.bundleDir();
        Map<String, String> annotations = Files.exists(bundle.resolve("config.json"))
                ? BundleFiles.annotations(bundle) : Map.of();
        PodAnnotations pod;
        try {
            pod = PodAnnotations.of(annotations);
        } catch (IllegalArgumentException e) {
            throw new ShimException(bundle.resolve("config.json") + ": " + e.getMessage(), e);
        }
        Path socket = SocketAddress.of(args.address(), args.namespace(), pod.shimId(args.id()));
        boolean live = askLiveShim(socket, args.id());
        LOG.log(System.Logger.Level.DEBUG, "delete {0}: shim on {1} {2}", args.id(), socket,
                live ? "answered" : "is gone");
        if (!live && pod.sandboxId().isEmpty()) {
            killDeadShim(bundle, args.id());
            Path runDir = store.sandboxDir(StateStore.checkId(args.id()));
            if (Files.exists(runDir)) { // the usual case after a clean Shutdown: nothing to look for
                SandboxCleanup.cleanUp(runDir);
            }
            Files.deleteIfExists(socket);
        }
        Instant now = Instant.now();
        return DeleteResponse.newBuilder().setExitStatus(128 + SIGKILL)
                .setExitedAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(now.getEpochSecond())
                        .setNanos(now.getNano()))
                .build();
    }

    /** Deletes the task through a shim that still answers; false when none does. */
    private static boolean askLiveShim(Path socket, String id) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (TtrpcClient client = TtrpcClient.connect(socket)) {
            CallOptions options = CallOptions.ofTimeout(CALL_TIMEOUT);
            try {
                client.call(TaskService.SERVICE, "Delete", DeleteRequest.newBuilder().setId(id).build(),
                        DeleteResponse.parser(), options);
            } catch (StatusException e) {
                if (e.code() != Code.NOT_FOUND) {
                    throw e;
                }
            }
            client.call(TaskService.SERVICE, "Shutdown", ShutdownRequest.newBuilder().setId(id).build(),
                    Empty.parser(), options);
            return true;
        } catch (IOException e) {
            return false; // nobody listens: the shim is dead
        } catch (StatusException e) {
            if (e.code() == Code.UNAVAILABLE) {
                return true; // it shut down while answering
            }
            LOG.log(System.Logger.Level.WARNING, "the shim of {0} failed to delete it: {1}", id, e.getMessage());
            return false;
        }
    }

    /** A shim that no longer answers but still runs (stopped, hung) is killed before its state is removed. */
    private static void killDeadShim(Path bundle, String id) throws InterruptedException {
        Optional<ProcessHandle> shim = BundleFiles.read(bundle, BundleFiles.SHIM_PID).flatMap(ShimDelete::parsePid)
                .flatMap(ProcessHandle::of)
                .filter(process -> process.info().arguments().map(a -> String.join(" ", a))
                        .filter(line -> line.contains(ShimMain.class.getName()) && line.contains("-id " + id))
                        .isPresent());
        if (shim.isPresent()) {
            LOG.log(System.Logger.Level.DEBUG, "killing shim {0} of {1}", shim.get().pid(), id);
            shim.get().destroyForcibly();
            // Not onExit(): for a process that is not our child it notices the end only after a second or so. A
            // killed shim stays a zombie until containerd (its subreaper) reaps it; the pidfd reports the exit.
            if (!SandboxCleanup.awaitExit(shim.get().pid(), EXIT_WAIT)) {
                LOG.log(System.Logger.Level.WARNING, "shim {0} of {1} did not die within {2}", shim.get().pid(), id,
                        EXIT_WAIT);
            }
        }
    }

    private static Optional<Long> parsePid(String text) {
        try {
            return Optional.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
