package io.katacontainers.hypervisor.kvm.snapshot;

import java.io.IOException;

/**
 * A snapshot that cannot be used: from another build, host kernel or CPU ({@link Foreign}), or damaged
 * ({@link Corrupt}). Either way the caller should boot the VM cold and make the snapshot again.
 */
public abstract sealed class SnapshotException extends IOException
        permits SnapshotException.Foreign, SnapshotException.Corrupt {
    private SnapshotException(String message) {
        super(message);
    }

    /** The snapshot was made by another build, host kernel or CPU (or in another format version). */
    public static final class Foreign extends SnapshotException {
        private final String field;

        public Foreign(String field, String found, String expected) {
            super("the snapshot was made with " + field + " '" + found + "', this is '" + expected
                    + "': it cannot be restored here; make the snapshot again with this build on this host");
            this.field = field;
        }

        /** What differs: {@code format version}, {@code build}, {@code host kernel}, {@code cpu} or {@code guest}. */
        public String field() {
            return field;
        }
    }

    /** The snapshot's files are truncated or damaged; {@link #field()} names where it was noticed. */
    public static final class Corrupt extends SnapshotException {
        private final String field;

        public Corrupt(String field, String problem) {
            super("the snapshot is damaged at " + field + ": " + problem + "; delete it and make it again");
            this.field = field;
        }

        public String field() {
            return field;
        }
    }
}
