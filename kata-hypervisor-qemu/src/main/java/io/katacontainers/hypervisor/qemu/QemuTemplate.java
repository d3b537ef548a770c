package io.katacontainers.hypervisor.qemu;

import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.TemplateIdentity;
import io.katacontainers.api.hypervisor.VmSpec;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the QEMU driver keeps in a template directory, and the check every clone makes against it: {@code memory}
 * (the guest RAM file), {@code state} (QEMU's migration stream with {@code x-ignore-shared}: the devices and
 * vCPUs, not the RAM) and {@code qemu-template.properties}, this record: the format, what made the template (QEMU
 * binary and version, kernel, initrd, machine, size, kernel command line, agent ports) and the state's SHA-256.
 *
 * @param identity what a clone must match, by name (each file as path, size and modification time)
 * @param stateSha256 the {@code state} file's digest: a changed byte is a corrupt template
 */
record QemuTemplate(int format, Map<String, String> identity, String stateSha256) {
    /** Bumped whenever what a template holds, or how a clone is made from it, changes. */
    static final int FORMAT = 1;
    static final String MANIFEST = "qemu-template.properties";
    static final String MEMORY = "memory";
    static final String STATE = "state";

    QemuTemplate {
        identity = Map.copyOf(new TreeMap<>(identity));
    }

    /**
     * What makes a VM of {@code spec} with this command line compatible with a template: a clone restores the
     * template's guest (kernel, initrd and agent in its RAM) into the same QEMU machine.
     */
    static Map<String, String> identityOf(VmSpec spec, String machine, String kernelCommandLine,
                                          List<Integer> agentPorts) throws IOException {
        Map<String, String> identity = new TreeMap<>();
        identity.put("qemu", fileIdentity(spec.vmmPath()));
        identity.put("kernel", fileIdentity(spec.kernel()));
        identity.put("initrd", spec.initrd().isPresent() ? fileIdentity(spec.initrd().get()) : "none");
        identity.put("machine", machine);
        identity.put("vcpus", Integer.toString(spec.vcpus()));
        identity.put("memory_mib", Long.toString(spec.memoryMiB()));
        identity.put("kernel_command_line", kernelCommandLine);
        identity.put("agent_ports", agentPorts.toString());
        return identity;
    }

    private static String fileIdentity(Path file) throws IOException {
        Path real = file.toRealPath();
        return real + " (" + Files.size(real) + " bytes, modified " + Files.getLastModifiedTime(real) + ")";
    }

    void write(Path dir) throws IOException {
        Path temporary = dir.resolve(MANIFEST + ".tmp");
        Properties properties = new Properties();
        properties.setProperty("format", Integer.toString(format));
        properties.setProperty("state_sha256", stateSha256);
        identity.forEach((key, value) -> properties.setProperty("identity." + key, value));
        try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(out, "VM template of the QEMU driver: what a clone must match");
        }
        Files.move(temporary, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the template in {@code dir} and checks it against a clone's {@code identity}: every difference is
     * named, with what to do.
     */
    static QemuTemplate load(Path dir, Map<String, String> identity, long memoryBytes) throws HypervisorException {
        Path manifest = dir.resolve(MANIFEST);
        String fix = "; remake it: kata-runtime factory destroy && kata-runtime factory init";
        QemuTemplate template;
        try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            Properties properties = new Properties();
            properties.load(in);
            Map<String, String> made = new TreeMap<>();
            for (String name : properties.stringPropertyNames()) {
                if (name.startsWith("identity.")) {
                    made.put(name.substring("identity.".length()), properties.getProperty(name));
                }
            }
            template = new QemuTemplate(Integer.parseInt(properties.getProperty("format", "0")), made,
                    properties.getProperty("state_sha256", ""));
        } catch (IOException | IllegalArgumentException e) {
            throw new HypervisorException("the VM template in " + dir + " is unreadable (" + manifest + ": "
                    + e.getMessage() + ")" + fix, e);
        }
        if (template.format() != FORMAT) {
            throw new HypervisorException("the VM template in " + dir + " has format " + template.format()
                    + ", this build reads format " + FORMAT + fix);
        }
        TemplateIdentity.requireSame(dir, identity, template.identity(), fix);
        try {
            long size = Files.size(dir.resolve(MEMORY));
            if (size != memoryBytes) {
                throw new HypervisorException("the VM template in " + dir + " is corrupt: its memory file has "
                        + size + " bytes, not " + memoryBytes + fix);
            }
            String digest = sha256(dir.resolve(STATE));
            if (!digest.equals(template.stateSha256())) {
                throw new HypervisorException("the VM template in " + dir + " is corrupt: its device state "
                        + dir.resolve(STATE) + " does not match the digest it was saved with" + fix);
            }
        } catch (IOException e) {
            throw new HypervisorException("the VM template in " + dir + " is incomplete: " + e.getMessage() + fix, e);
        }
        return template;
    }

    static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
                MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
