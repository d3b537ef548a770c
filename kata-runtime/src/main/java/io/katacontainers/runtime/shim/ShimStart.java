package io.katacontainers.runtime.shim;

import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.launch.SelfCommand;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code containerd-shim-kata-v2 start}: finds or launches the shim daemon that serves the task and returns its
 * address, which containerd reads from stdout. A container of an existing pod gets its sandbox's shim; otherwise a
 * daemon is launched in its own session, with the bundle as working directory, its log going to the bundle's
 * {@code log} FIFO (which containerd reads), and start returns once the daemon listens.
 */
final class ShimStart {
    /** What the daemon prints on stdout once it listens. */
    static final String READY = "ready";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private ShimStart() {
    }

    static String run(ShimArgs args, byte[] options) throws ShimException, IOException, InterruptedException {
        Optional<Path> configPath;
        try {
            configPath = RuntimeOptions.configPath(options);
        } catch (IllegalArgumentException e) {
            throw new ShimException(e.getMessage(), e);
        }
        Path bundle = args.bundleDir();
        PodAnnotations pod;
        try {
            pod = PodAnnotations.of(BundleFiles.annotations(bundle));
        } catch (IllegalArgumentException e) {
            throw new ShimException(bundle.resolve("config.json") + ": " + e.getMessage(), e);
        }
        Path socket = SocketAddress.of(args.address(), args.namespace(), pod.shimId(args.id()));
        String address = SocketAddress.uri(socket);
        if (pod.sandboxId().isPresent()) {
            if (!SocketAddress.canConnect(socket)) {
                throw new ShimException("the shim of sandbox " + pod.sandboxId().get() + " is not running (no shim "
                        + "listens on " + socket + "): create the pod's sandbox container first");
            }
            BundleFiles.write(bundle, BundleFiles.ADDRESS, address);
            return address;
        }
        if (Files.exists(socket)) {
            if (SocketAddress.canConnect(socket)) {
                BundleFiles.write(bundle, BundleFiles.ADDRESS, address); // our daemon already serves this task
                return address;
            }
            Files.delete(socket); // left by a shim that was killed
        }
        long pid = launchDaemon(args, bundle, configPath);
        BundleFiles.write(bundle, BundleFiles.ADDRESS, address);
        BundleFiles.write(bundle, BundleFiles.SHIM_PID, Long.toString(pid));
        return address;
    }

    private static long launchDaemon(ShimArgs args, Path bundle, Optional<Path> configPath)
            throws ShimException, IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(SelfCommand.argv("containerd-shim-kata-v2", ShimMain.class));
        argv.addAll(List.of("-namespace", args.namespace(), "-address", args.address(), "-publish-binary",
                args.publishBinary(), "-id", args.id()));
        if (args.debug()) {
            argv.add("-debug");
        }
        ProcessBuilder builder = new ProcessBuilder(argv).directory(bundle.toFile())
                .redirectInput(new File("/dev/null"))
                .redirectOutput(ProcessBuilder.Redirect.PIPE);
        Path log = bundle.resolve(BundleFiles.LOG);
        // containerd holds the log FIFO open for reading and copies it into its own log.
        builder.redirectError(Files.exists(log) ? ProcessBuilder.Redirect.appendTo(log.toFile())
                : ProcessBuilder.Redirect.DISCARD);
        configPath.ifPresent(path -> builder.environment().put(ConfigLookup.KATA_CONF_FILE,
                path.toAbsolutePath().toString()));
        Process daemon = builder.start();
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
            } catch (IOException e) {
                return null;
            }
        });
        try {
            String line = ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!READY.equals(line)) {
                daemon.waitFor(5, TimeUnit.SECONDS);
                throw new ShimException("the shim daemon for " + args.id() + " did not start"
                        + (daemon.isAlive() ? "" : " (exit status " + daemon.exitValue() + ")")
                        + ": see containerd's log (the shim logs to the bundle's log FIFO)");
            }
        } catch (TimeoutException | ExecutionException e) {
            daemon.destroyForcibly();
            throw new ShimException("the shim daemon for " + args.id() + " did not listen within "
                    + READY_TIMEOUT.toSeconds() + "s", e);
        } catch (ShimException | InterruptedException e) {
            daemon.destroyForcibly();
            throw e;
        }
        return daemon.pid();
    }
}
