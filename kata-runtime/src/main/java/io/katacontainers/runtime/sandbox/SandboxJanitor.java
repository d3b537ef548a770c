package io.katacontainers.runtime.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small shell process beside a long-lived sandbox owner (the shim) that cleans the sandbox up if its owner dies
 * without doing so (SIGKILL, a crash): it blocks reading a pipe from the owner, and the owner's end closes with it.
 * Then it kills what still names the sandbox directory (the VMM and virtiofsd normally died already, by their
 * parent-death signal), takes the pod network's tap and ingress qdiscs out of the pod's network namespace and
 * removes the sandbox's host cgroups, as its ledger ({@code resources}: the {@code network} and {@code cgroup}
 * lines) names them (cgroups children first), after killing what is left in them, lazily unmounts
 * every mount under the directory, deepest first, and removes the directory,
 * but only once no mount is left under it (so that no bind-mounted host data is removed through it).
 *
 * <p>containerd runs {@code containerd-shim-kata-v2 delete} after a shim dies, which does the same; but it kills that
 * call after {@code io.containerd.timeout.shim.cleanup} (5 s by default), which a JVM start can exceed on a loaded
 * host. The janitor is a shell, already running: it costs one idle {@code sh} per pod. An owner that tears its
 * sandbox down itself {@link #dismiss dismisses} it first.
 */
public final class SandboxJanitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SandboxJanitor.class.getName());
    /**
     * The clean-up; {@code $1} is the sandbox directory (may be empty), the other arguments files to remove (the
     * shim's socket). Reads "done" when dismissed, end of file if orphaned.
     */
    static final String SCRIPT = """
            dir=$1
            shift
            read -r word
            [ "$word" = done ] && exit 0
            [ $# -gt 0 ] && rm -f "$@"
            [ -n "$dir" ] && [ -d "$dir" ] || exit 0
            for p in /proc/[0-9]*; do
              pid=${p#/proc/}
              [ "$pid" = $$ ] && continue
              case "$(tr '\\0' ' ' 2>/dev/null < "$p/cmdline")" in
                *"$dir/"*|*"$dir ") kill -9 "$pid" 2>/dev/null ;;
              esac
            done
            if [ -f "$dir/resources" ]; then
              while read -r kind veth tap netns; do
                [ "$kind" = network ] || continue
                nsenter --net="$netns" tc qdisc del dev "$veth" ingress 2>/dev/null
                nsenter --net="$netns" ip link del "$tap" 2>/dev/null
              done < "$dir/resources"
              awk '$1 == "cgroup" { print $2 }' "$dir/resources" | sort -r | while read -r cg; do
                n=0
                while [ -d "$cg" ] && [ $n -lt 50 ]; do
                  while read -r pid; do kill -9 "$pid" 2>/dev/null; done < "$cg/cgroup.procs"
                  rmdir "$cg" 2>/dev/null || sleep 0.1
                  n=$((n + 1))
                done
                [ -d "$cg" ] && echo "kata sandbox janitor: cannot remove the cgroup $cg" >&2
              done
            fi
            awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print length($5), $5 }' /proc/self/mountinfo \\
              | sort -rn | while read -r _ m; do umount -l "$m" 2>/dev/null; done
            if awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { found = 1 } END { exit !found }' \\
                /proc/self/mountinfo; then
              echo "kata sandbox janitor: mounts remain under $dir: not removing it" >&2
              exit 1
            fi
            rm -rf "$dir"
            """;

    private final Process process;

    private SandboxJanitor(Process process) {
        this.process = process;
    }

    /** Starts the janitor of {@code runDir}; its stderr goes to the owner's. */
    public static SandboxJanitor start(Path runDir) throws IOException {
        return launch(runDir.toString(), java.util.List.of());
    }

    /** Starts a janitor that only removes {@code files} (the shim's socket) if its owner dies. */
    public static SandboxJanitor forFiles(java.util.List<Path> files) throws IOException {
        return launch("", files);
    }

    private static SandboxJanitor launch(String runDir, java.util.List<Path> files) throws IOException {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of("/bin/sh", "-c", SCRIPT,
                "kata-sandbox-janitor", runDir));
        files.forEach(file -> argv.add(file.toString()));
        Process process = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        LOG.log(System.Logger.Level.DEBUG, "sandbox janitor {0} watches {1} {2}", process.pid(), runDir, files);
        return new SandboxJanitor(process);
    }

    /** The janitor's process, for tests. */
    long pid() {
        return process.pid();
    }

    /** Closes the owner's end of the pipe without a word, as the owner's death does (for tests). */
    void orphan() throws java.io.IOException {
        process.getOutputStream().close();
    }

    /** The owner cleans up itself: the janitor exits without touching anything. */
    public void dismiss() throws InterruptedException {
        try (OutputStream pipe = process.getOutputStream()) {
            pipe.write("done\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "sandbox janitor {0} already gone: {1}", process.pid(),
                    e.getMessage());
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** {@link #dismiss}. */
    @Override
    public void close() throws InterruptedException {
        dismiss();
    }
}
