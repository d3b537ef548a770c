package io.katacontainers.agent.container;

import io.katacontainers.errdefs.ErrdefsException;

/**
 * Container and exec ids, checked the way Kata checks them ({@code ^[a-zA-Z0-9][a-zA-Z0-9_.-]+$}) before they
 * become file names in the state directory.
 */
final class Ids {
    private Ids() {
    }

    /** A container id: at least two characters, as Kata requires. */
    static String checkContainer(String id) {
        return check("container", id, 2);
    }

    /** An exec id: containerd allows single characters ("1") there. */
    static String checkExec(String id) {
        return check("exec", id, 1);
    }

    /** @throws ErrdefsException (INVALID_ARGUMENT) naming the id if it is not valid */
    private static String check(String kind, String id, int minLength) {
        boolean valid = id.length() >= minLength && id.charAt(0) < 128 && Character.isLetterOrDigit(id.charAt(0));
        for (int i = 1; valid && i < id.length(); i++) {
            char c = id.charAt(i);
            valid = c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_');
        }
        if (!valid) {
            throw ErrdefsException.invalidArgument("invalid " + kind + " id '" + id + "'");
        }
        return id;
    }
}
