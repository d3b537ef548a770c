package io.katacontainers.api.virtiofs;

import java.util.Optional;

/**
 * How much of the shared files the guest caches: Kata's {@code virtio_fs_cache}, with the modes QEMU's C virtiofsd
 * has (its {@code -o cache=}). Kata's {@code metadata} exists only in the Rust virtiofsd, which Debian 12 does not
 * ship.
 */
public enum VirtiofsCache {
    /**
     * {@code never} (or {@code none}): nothing is cached, every access goes to the host; mmap of shared files fails.
     */
    NEVER("none"),
    /** {@code auto}: metadata for a short while, data while a file is open. */
    AUTO("auto"),
    /** {@code always}: everything, never expiring. */
    ALWAYS("always");

    private final String daemonName;

    VirtiofsCache(String daemonName) {
        this.daemonName = daemonName;
    }

    /** The C virtiofsd's name for this mode, as in {@code -o cache=none}. */
    public String daemonName() {
        return daemonName;
    }

    /**
     * The mode a {@code virtio_fs_cache} value names.
     *
     * @throws IllegalArgumentException for a value {@link #problem} rejects, with its reason
     */
    public static VirtiofsCache fromConfig(String configured) {
        return named(configured).orElseThrow(() -> new IllegalArgumentException("virtio_fs_cache: "
                + problem(configured).orElseThrow()));
    }

    /** What is wrong with a {@code virtio_fs_cache} value, or empty when it names a mode; for the config schema. */
    public static Optional<String> problem(String configured) {
        if (named(configured).isPresent()) {
            return Optional.empty();
        }
        String choices = "\"never\" (or \"none\"), \"auto\" or \"always\"";
        return Optional.of(configured.equals("metadata")
                ? "\"metadata\" needs the Rust virtiofsd; QEMU's C virtiofsd, which Debian 12 ships, has " + choices
                : "\"" + configured + "\" is not one of " + choices);
    }

    private static Optional<VirtiofsCache> named(String configured) {
        return switch (configured) {
            case "never", "none" -> Optional.of(NEVER);
            case "auto" -> Optional.of(AUTO);
            case "always" -> Optional.of(ALWAYS);
            default -> Optional.empty();
        };
    }
}
