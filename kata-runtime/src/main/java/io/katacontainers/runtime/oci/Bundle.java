package io.katacontainers.runtime.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI bundle: a directory with {@code config.json} and the root filesystem it names. Loading checks what the
 * runtime relies on, and every error names the file and what to fix.
 *
 * @param dir the bundle directory, absolute
 * @param spec the runtime spec, as Kata's protobuf
 * @param rootfs the root filesystem on the host, absolute
 * @param ignoredKeys spec keys the runtime does not pass on (JSON paths)
 */
public record Bundle(Path dir, Spec spec, Path rootfs, List<String> ignoredKeys) {
    public Bundle {
        ignoredKeys = List.copyOf(ignoredKeys);
    }

    public static Bundle load(Path dir) throws BundleException {
        Path absolute = dir.toAbsolutePath().normalize();
        Path configJson = absolute.resolve("config.json");
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(Files.readAllBytes(configJson));
        } catch (NoSuchFileException e) {
            throw new BundleException(configJson + " does not exist: is " + absolute + " an OCI bundle? "
                    + "(pass it with --bundle, or create one with 'runc spec')");
        } catch (JsonProcessingException e) {
            throw new BundleException(configJson + ":" + e.getLocation().getLineNr() + ": invalid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BundleException("cannot read " + configJson + ": " + e.getMessage());
        }
        List<String> ignored = new ArrayList<>();
        Spec spec;
        try {
            spec = OciSpecJson.fromJson(json, ignored::add);
        } catch (OciSpecException e) {
            throw new BundleException(configJson + ": " + e.getMessage());
        }
        if (spec.getProcess().getArgsCount() == 0) {
            throw new BundleException(configJson + ": process.args must name the program to run");
        }
        if (spec.getRoot().getPath().isEmpty()) {
            throw new BundleException(configJson + ": root.path must name the root filesystem");
        }
        String rootPath = spec.getRoot().getPath();
        if (climbs(rootPath)) {
            throw new BundleException(configJson + ": root.path " + rootPath + " contains '..': name the root "
                    + "filesystem without it");
        }
        Path rootfs = absolute.resolve(rootPath).normalize();
        if (!Files.isDirectory(rootfs)) {
            throw new BundleException(configJson + ": root.path " + rootfs + " is not a directory");
        }
        if (!Path.of(rootPath).isAbsolute()) {
            // A root.path relative to the bundle stays in it: a symlink in the bundle must not lead elsewhere.
            try {
                Path real = rootfs.toRealPath();
                Path realBundle = absolute.toRealPath();
                if (!real.startsWith(realBundle)) {
                    throw new BundleException(configJson + ": root.path " + rootPath + " leads to " + real
                            + ", outside the bundle " + realBundle + " (a symlink out of it): give the root "
                            + "filesystem's absolute path, or put it in the bundle");
                }
            } catch (IOException e) {
                throw new BundleException("cannot resolve root.path " + rootfs + ": " + e.getMessage());
            }
        }
        return new Bundle(absolute, spec, rootfs, ignored);
    }

    /**
     * Checks a bundle directory that comes from a caller the runtime does not trust (containerd's Create request
     * names it): absolute, with no {@code ..}.
     */
    public static Path checkUntrustedDir(String dir) throws BundleException {
        if (dir.isEmpty()) {
            throw new BundleException("no bundle directory given: the request must name one");
        }
        if (climbs(dir)) {
            throw new BundleException("the bundle directory " + dir + " contains '..': give its path without it");
        }
        Path path = Path.of(dir);
        if (!path.isAbsolute()) {
            throw new BundleException("the bundle directory " + dir + " is relative: give its absolute path");
        }
        return path;
    }

    /** Whether a path has a {@code ..} element. */
    static boolean climbs(String path) {
        for (String element : path.split("/")) {
            if (element.equals("..")) {
                return true;
            }
        }
        return false;
    }
}
