package io.katacontainers.hypervisor.kvm;

import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.api.hypervisor.TemplateIdentity;
import io.katacontainers.api.hypervisor.VmSpec;
import io.katacontainers.hypervisor.kvm.snapshot.SnapshotIdentity;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the built-in VMM keeps in a template directory, and the check every clone makes against it, in the QEMU
 * driver's conventions: {@code state} and {@code memory} (the VMM's snapshot, see
 * {@link io.katacontainers.hypervisor.kvm.snapshot.VmSnapshots}) and {@code builtin-template.properties}, this
 * record: the format and what made the template (this build, host kernel, CPU, guest kernel, initrd, command line,
 * size). The snapshot's own state file repeats the identity and carries its checksums, so a damaged or foreign
 * template is refused on either.
 *
 * @param identity what a clone must match, by name
 */
record BuiltinTemplate(int format, Map<String, String> identity) {
    /** Bumped whenever what a template holds, or how a clone is made from it, changes. */
    static final int FORMAT = 1;
    static final String MANIFEST = "builtin-template.properties";
    static final String FIX = "; remake it: kata-runtime factory destroy && kata-runtime factory init";

    BuiltinTemplate {
        identity = Map.copyOf(new TreeMap<>(identity));
    }

    /**
     * A VM of {@code spec} is compatible with a template when the guest in the template's RAM (kernel, initrd,
     * command line with its virtio-mmio devices), its size and devices, and the VMM and host it ran on are the
     * same.
     */
    static Map<String, String> identityOf(VmSpec spec, SnapshotIdentity host) throws IOException {
        Map<String, String> identity = new TreeMap<>();
        identity.put("build", host.build());
        identity.put("host_kernel", host.hostKernel());
        identity.put("cpu", host.cpu());
        identity.put("guest", host.guest());
        identity.put("kernel", fileIdentity(spec.kernel()));
        identity.put("initrd", spec.initrd().isPresent() ? fileIdentity(spec.initrd().get()) : "none");
        identity.put("vcpus", Integer.toString(spec.vcpus()));
        identity.put("memory_mib", Long.toString(spec.memoryMiB()));
        return identity;
    }

    /** The guest's fingerprint in the snapshot's identity: what its RAM and devices were made from. */
    static String guestFingerprint(VmSpec spec) throws IOException {
        return "kernel " + fileIdentity(spec.kernel()) + "; initrd "
                + (spec.initrd().isPresent() ? fileIdentity(spec.initrd().get()) : "none") + "; "
                + spec.vcpus() + " vCPUs, " + spec.memoryMiB() + " MiB; virtio-fs cache " + spec.virtiofsCache()
                + "; command line " + BuiltinHypervisor.kernelCommandLine(spec).line();
    }

    private static String fileIdentity(Path file) throws IOException {
        Path real = file.toRealPath();
        return real + " (" + Files.size(real) + " bytes, modified " + Files.getLastModifiedTime(real) + ")";
    }

    void write(Path dir) throws IOException {
        Path temporary = dir.resolve(MANIFEST + ".tmp");
        Properties properties = new Properties();
        properties.setProperty("format", Integer.toString(format));
        identity.forEach((key, value) -> properties.setProperty("identity." + key, value));
        try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(out, "VM template of the built-in VMM: what a clone must match");
        }
        Files.move(temporary, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the template in {@code dir} and checks it against a clone's {@code identity}: every difference is
     * named, with what to do.
     */
    static BuiltinTemplate load(Path dir, Map<String, String> identity) throws HypervisorException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new HypervisorException("there is no built-in VMM template in " + dir + " (no " + MANIFEST
                    + "; was it made by another hypervisor driver?)" + FIX);
        }
        BuiltinTemplate template;
        try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            Properties properties = new Properties();
            properties.load(in);
            Map<String, String> made = new TreeMap<>();
            for (String name : properties.stringPropertyNames()) {
                if (name.startsWith("identity.")) {
                    made.put(name.substring("identity.".length()), properties.getProperty(name));
                }
            }
            template = new BuiltinTemplate(Integer.parseInt(properties.getProperty("format", "0")), made);
        } catch (IOException | IllegalArgumentException e) {
            throw new HypervisorException("the VM template in " + dir + " is unreadable (" + manifest + ": "
                    + e.getMessage() + ")" + FIX, e);
        }
        if (template.format() != FORMAT) {
            throw new HypervisorException("the VM template in " + dir + " has format " + template.format()
                    + ", this build reads format " + FORMAT + FIX);
        }
        TemplateIdentity.requireSame(dir, identity, template.identity(), FIX);
        return template;
    }
}
