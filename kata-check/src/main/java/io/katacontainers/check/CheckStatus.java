package io.katacontainers.check;

/** Outcome of one check. SKIP means the check could not run (not root, or what it inspects is absent). */
public enum CheckStatus {
    PASS, WARN, FAIL, SKIP
}
