package io.katacontainers.runtime.service;

import io.katacontainers.agent.proto.Hooks;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.network.NetnsThread;
import io.katacontainers.runtime.oci.Bundle;
import io.katacontainers.runtime.oci.OciHooks;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A container's OCI hooks on the shim v2 path, run on the host as Kata's shim runs them, through {@link OciHooks}
 * (the runc-like commands' one implementation): {@code prestart} and {@code createRuntime} before the container is
 * made (for the pod's first container, before its VM boots and its network namespace is scanned), in the spec's
 * network namespace when it names one; {@code poststart} after the start, {@code poststop} after the delete. The
 * state on their stdin carries the shim's pid, as Kata's does. A failing create hook fails Create with its output,
 * after the poststop hooks had their chance to undo what the others set up.
 *
 * @param id          the container's id
 * @param hooks       the spec's hooks
 * @param ociVersion  the spec's {@code ociVersion}
 * @param bundle      the bundle directory
 * @param annotations the spec's annotations
 * @param netns       the network namespace the spec names, if it names one by path
 */
record ShimHooks(String id, Hooks hooks, String ociVersion, Path bundle, Map<String, String> annotations,
                 Optional<Path> netns) {

    static ShimHooks of(String id, Bundle bundle) {
        Spec spec = bundle.spec();
        Optional<Path> netns = spec.hasLinux() ? spec.getLinux().getNamespacesList().stream()
                .filter(ns -> ns.getType().equals("network") && !ns.getPath().isEmpty())
                .map(ns -> Path.of(ns.getPath())).findFirst() : Optional.empty();
        return new ShimHooks(id, spec.getHooks(), spec.getVersion(), bundle.dir(), spec.getAnnotationsMap(), netns);
    }

    private String state(String status) {
        return OciHooks.state(ociVersion, id, status, "stopped".equals(status) ? 0 : ProcessHandle.current().pid(),
                bundle, annotations);
    }

    /** {@code prestart}, then {@code createRuntime}; a failure runs {@code poststop} and fails the Create. */
    void beforeCreate() throws InterruptedException, IOException {
        if (hooks.getPrestartCount() + hooks.getCreateRuntimeCount() == 0) {
            return;
        }
        String creating = state("creating");
        Optional<OciHooks.HookException> failure = inNetns("create-hooks", () -> {
            try {
                OciHooks.run(hooks, OciHooks.Stage.PRESTART, creating);
                OciHooks.run(hooks, OciHooks.Stage.CREATE_RUNTIME, creating);
                return Optional.empty();
            } catch (OciHooks.HookException e) {
                return Optional.of(e);
            }
        });
        if (failure.isPresent()) {
            afterDelete();
            throw new ErrdefsException(ErrorKind.UNKNOWN, failure.get().getMessage(), failure.get());
        }
    }

    /** {@code poststart} (a failure is a warning: the container runs). */
    void afterStart() throws InterruptedException {
        if (hooks.getPoststartCount() > 0) {
            OciHooks.runWarning(hooks, OciHooks.Stage.POSTSTART, state("running"));
        }
    }

    /** {@code poststop} (a failure is a warning: the container is gone). */
    void afterDelete() throws InterruptedException {
        if (hooks.getPoststopCount() > 0) {
            OciHooks.runWarning(hooks, OciHooks.Stage.POSTSTOP, state("stopped"));
        }
    }

    /** The work whose hooks run in a namespace this process is not in. */
    @FunctionalInterface
    private interface HookWork {
        Optional<OciHooks.HookException> run() throws InterruptedException;
    }

    private Optional<OciHooks.HookException> inNetns(String purpose, HookWork work)
            throws InterruptedException, IOException {
        if (netns.isEmpty()) {
            return work.run();
        }
        // A child spawned from a thread that joined the namespace starts in it.
        return NetnsThread.call(netns.get(), purpose, () -> {
            try {
                return work.run();
            } catch (InterruptedException e) {
                throw new InterruptedIOException("interrupted while running the hooks");
            }
        });
    }
}
