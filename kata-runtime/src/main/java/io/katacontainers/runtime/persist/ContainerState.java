package io.katacontainers.runtime.persist;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code kata-runtime create} persists about a container whose sandbox outlives the command, in
 * {@code /run/vc/sbs/<id>/state.json}. Written by the sandbox holder process, read by every other command.
 *
 * @param status      {@code creating}, {@code created}, {@code running} or {@code stopped} as the holder last saw it
 * @param holderPid   the process that owns the VM and serves {@link #CONTROL_SOCKET}
 * @param holderStart when that process started (epoch ms), to tell it apart from a later process with its pid
 * @param vmmPid      the VMM's pid, so that the VM can be killed when the holder is gone; 0 when unknown
 * @param exitStatus  the container process's exit status once it has stopped, else null
 * @param relayPid    the light process that stands for the container's process on the host (the pid in
 *                    {@code --pid-file} and in the OCI state); 0 when the holder itself stands for it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ContainerState(String id, String bundle, String rootfs, String status, long holderPid,
                             long holderStart, long vmmPid, String created, Integer exitStatus,
                             Map<String, String> annotations, long relayPid) {
    public static final String FILE = "state.json";
    public static final String CONTROL_SOCKET = "control.sock";
    public static final String CREATING = "creating";
    public static final String CREATED = "created";
    public static final String RUNNING = "running";
    public static final String STOPPED = "stopped";
    /** Frozen by {@code kata-runtime pause} (runc's state name). */
    public static final String PAUSED = "paused";
    /** The runtime-spec version the state JSON follows. */
    public static final String OCI_VERSION = "1.1.0";

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public ContainerState {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** A state whose holder stands for the container's process itself (no relay). */
    public ContainerState(String id, String bundle, String rootfs, String status, long holderPid, long holderStart,
                          long vmmPid, String created, Integer exitStatus, Map<String, String> annotations) {
        this(id, bundle, rootfs, status, holderPid, holderStart, vmmPid, created, exitStatus, annotations, 0);
    }

    /** The pid that stands for the container's process on the host: the relay's, else the holder's. */
    public long pid() {
        return relayPid > 0 ? relayPid : holderPid;
    }

    public ContainerState withStatus(String newStatus) {
        return new ContainerState(id, bundle, rootfs, newStatus, holderPid, holderStart, vmmPid, created, exitStatus,
                annotations, relayPid);
    }

    public ContainerState withExit(int status) {
        return new ContainerState(id, bundle, rootfs, STOPPED, holderPid, holderStart, vmmPid, created, status,
                annotations, relayPid);
    }

    public ContainerState withVmmPid(long pid) {
        return new ContainerState(id, bundle, rootfs, status, holderPid, holderStart, pid, created, exitStatus,
                annotations, relayPid);
    }

    /** Writes the state to {@code dir/state.json} atomically: readers see the old or the new file, never a part. */
    public void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().threadId());
        JSON.writeValue(tmp.toFile(), this);
        try {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads {@code dir/state.json}; empty when there is none. */
    public static Optional<ContainerState> read(Path dir) throws IOException {
        try {
            return Optional.of(JSON.readValue(Files.readAllBytes(dir.resolve(FILE)), ContainerState.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Whether the holder process recorded here is still alive (the same process, not a reuse of its pid). */
    public boolean holderAlive() {
        return alive(holderPid, holderStart);
    }

    static boolean alive(long pid, long startMillis) {
        if (pid <= 0) {
            return false;
        }
        if (zombie(pid)) {
            return false; // killed, not yet reaped by its new parent
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(process -> startMillis == 0 || process.info().startInstant()
                        .map(start -> Math.abs(start.toEpochMilli() - startMillis) < 2000).orElse(true))
                .isPresent();
    }

    /** Whether {@code /proc/<pid>/stat} shows a dead process that waits to be reaped (state Z or X). */
    public static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** The status to report: what the holder recorded, or stopped when the holder is gone. */
    public String effectiveStatus() {
        return holderAlive() ? status : STOPPED;
    }

    /** The state in runc's {@code state} JSON shape (runtime-spec state plus runc's rootfs, created, owner). */
    public Map<String, Object> toOci() {
        String effective = effectiveStatus();
        Map<String, Object> oci = new LinkedHashMap<>();
        oci.put("ociVersion", OCI_VERSION);
        oci.put("id", id);
        oci.put("pid", STOPPED.equals(effective) ? 0 : pid());
        oci.put("status", CREATING.equals(effective) ? CREATED : effective);
        oci.put("bundle", bundle);
        oci.put("rootfs", rootfs);
        oci.put("created", created);
        oci.put("owner", "");
        if (!annotations.isEmpty()) {
            oci.put("annotations", annotations);
        }
        return oci;
    }

    public static String toJson(Object value) throws IOException {
        return JSON.writeValueAsString(value);
    }

    public static String now() {
        return Instant.now().toString();
    }
}
