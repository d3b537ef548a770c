package io.katacontainers.agent;

import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.CreateContainerRequest;
import io.katacontainers.agent.proto.Linux;
import io.katacontainers.agent.proto.LinuxCapabilities;
import io.katacontainers.agent.proto.LinuxNamespace;
import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.POSIXRlimit;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.agent.proto.ReadStreamResponse;
import io.katacontainers.agent.proto.RemoveContainerRequest;
import io.katacontainers.agent.proto.Root;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.agent.proto.User;
import io.katacontainers.agent.proto.WaitProcessRequest;
import io.katacontainers.agent.proto.WaitProcessResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The container part of {@code --self-test}: one container's life as {@code kata-runtime run} drives it
 * (CreateContainer, StartContainer, ReadStdout to the end, WaitProcess, RemoveContainer), through a stand-in OCI
 * runtime. The initrd build trains the agent's AOT cache with the self-test, and a guest loads this path's classes
 * (the OCI spec's protobuf descriptors, its JSON, bundles, pipes, the reaper) for every container: from the jars,
 * parsed and verified under an emulated CPU, they cost seconds. The stand-in needs only /bin/sh, so it runs where
 * crun cannot (the build host's chroot of the image, without cgroup v2); the agent bind-mounts the container's
 * root, so the self-test runs as root, in a private mount namespace where it must not touch the host's mounts.
 */
final class SelfTestContainer {
    private static final String AGENT = "grpc.AgentService";
    private static final String ID = "self-test-container";
    private static final String GREETING = "hello from the self-test container";
    private static final int MAX_READS = 100;

    /**
     * {@code <runtime> [--root DIR] [--log F] [--log-format F] COMMAND ...}: a container is a child shell that
     * waits on a fifo for {@code start}, prints a line and exits; no isolation at all.
     */
    private static final String RUNTIME = """
            #!/bin/sh
            set -eu
            state=/tmp
            while [ $# -gt 0 ]; do
              case "$1" in
                --root) state=$2; shift 2 ;;
                --log|--log-format) shift 2 ;;
                *) break ;;
              esac
            done
            command=$1; shift
            case "$command" in
              create)
                pidfile=
                while [ $# -gt 1 ]; do
                  case "$1" in --pid-file) pidfile=$2; shift 2 ;; *) shift ;; esac
                done
                mkdir -p "$state"
                mkfifo "$state/$1.start"
                (read -r _ <"$state/$1.start"; echo "%s") &
                echo $! >"$pidfile"
                echo $! >"$state/$1.pid" ;;
              start) echo start >"$state/$1.start" ;;
              kill)
                [ "$1" != --all ] || shift
                kill -"$2" "$(cat "$state/$1.pid")" 2>/dev/null || true ;;
              delete)
                [ "$1" != --force ] || shift
                kill -9 "$(cat "$state/$1.pid")" 2>/dev/null || true
                rm -f "$state/$1.start" "$state/$1.pid" ;;
              *) echo "self-test runtime: no command $command" >&2; exit 1 ;;
            esac
            """.formatted(GREETING);

    private SelfTestContainer() {
    }

    /** Writes the stand-in runtime into {@code dir} and returns its path. */
    static Path writeRuntime(Path dir) throws IOException {
        Path runtime = dir.resolve("runtime");
        Files.writeString(runtime, RUNTIME);
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwxr-xr-x"));
        return runtime;
    }

    /** Runs one container with its root at {@code rootfs}; fails unless it printed the greeting and exited 0. */
    static void run(TtrpcClient client, Path rootfs, CallOptions call) throws IOException, StatusException {
        Files.createDirectories(rootfs);
        client.call(AGENT, "CreateContainer", CreateContainerRequest.newBuilder().setContainerId(ID).setExecId(ID)
                .setOCI(spec(rootfs)).build(), Empty.parser(), call);
        client.call(AGENT, "StartContainer", StartContainerRequest.newBuilder().setContainerId(ID).build(),
                Empty.parser(), call);
        String output = readStdout(client, call);
        if (!output.strip().equals(GREETING)) {
            throw new IOException("the self-test container printed '" + output.strip() + "', not '" + GREETING + "'");
        }
        int status = client.call(AGENT, "WaitProcess", WaitProcessRequest.newBuilder().setContainerId(ID)
                .setExecId(ID).build(), WaitProcessResponse.parser(), call).getStatus();
        if (status != 0) {
            throw new IOException("the self-test container exited with " + status);
        }
        client.call(AGENT, "RemoveContainer", RemoveContainerRequest.newBuilder().setContainerId(ID).build(),
                Empty.parser(), call);
    }

    /** Reads until the agent answers the end of the stream (an empty read), as the runtime does. */
    private static String readStdout(TtrpcClient client, CallOptions call) throws IOException, StatusException {
        var output = new ByteArrayOutputStream();
        for (int i = 0; i < MAX_READS; i++) {
            ReadStreamResponse response = client.call(AGENT, "ReadStdout", ReadStreamRequest.newBuilder()
                    .setContainerId(ID).setExecId(ID).setLen(4096).build(), ReadStreamResponse.parser(), call);
            if (response.getData().isEmpty()) {
                return output.toString(StandardCharsets.UTF_8);
            }
            response.getData().writeTo(output);
        }
        throw new IOException("the self-test container's stdout did not end after " + MAX_READS + " reads");
    }

    /** A spec like the one {@code kata-runtime run} sends for a busybox bundle (what {@code crun spec} writes). */
    private static Spec spec(Path rootfs) {
        List<String> capabilities = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        return Spec.newBuilder()
                .setVersion("1.0.2")
                .setProcess(Process.newBuilder()
                        .setUser(User.newBuilder().setUID(0).setGID(0))
                        .addAllArgs(List.of("/bin/sh", "-c", "echo " + GREETING))
                        .addAllEnv(List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"))
                        .setCwd("/")
                        .setCapabilities(LinuxCapabilities.newBuilder().addAllBounding(capabilities)
                                .addAllEffective(capabilities).addAllPermitted(capabilities))
                        .addRlimits(POSIXRlimit.newBuilder().setType("RLIMIT_NOFILE").setHard(1024).setSoft(1024))
                        .setNoNewPrivileges(true))
                .setRoot(Root.newBuilder().setPath(rootfs.toString()).setReadonly(true))
                .setHostname("self-test")
                .addMounts(Mount.newBuilder().setDestination("/proc").setType("proc").setSource("proc"))
                .addMounts(Mount.newBuilder().setDestination("/dev").setType("tmpfs").setSource("tmpfs")
                        .addAllOptions(List.of("nosuid", "strictatime", "mode=755", "size=65536k")))
                .setLinux(Linux.newBuilder()
                        .addAllNamespaces(List.of(namespace("pid"), namespace("network"), namespace("ipc"),
                                namespace("uts"), namespace("mount"), namespace("cgroup")))
                        .addAllMaskedPaths(List.of("/proc/kcore", "/sys/firmware"))
                        .addAllReadonlyPaths(List.of("/proc/sys", "/proc/sysrq-trigger")))
                .build();
    }

    private static LinuxNamespace namespace(String type) {
        return LinuxNamespace.newBuilder().setType(type).build();
    }
}
