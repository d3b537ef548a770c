package io.katacontainers.check;

import java.util.Objects;

/**
 * One line of the report.
 *
 * @param name   short identifier, e.g. "cpu flag vmx" or "kernel module kvm_intel"
 * @param stage  which verdict it feeds
 * @param status outcome
 * @param reason what was found and, when not PASS, what to do next
 */
public record CheckResult(String name, CheckStage stage, CheckStatus status, String reason) {
    public CheckResult {
        Objects.requireNonNull(name);
        Objects.requireNonNull(stage);
        Objects.requireNonNull(status);
        Objects.requireNonNull(reason);
    }

    /** Under --strict a warning is a failure; the reason keeps saying why it was only a warning. */
    CheckResult strict() {
        return status == CheckStatus.WARN
                ? new CheckResult(name, stage, CheckStatus.FAIL, reason + " (warning treated as failure by --strict)")
                : this;
    }
}
