package io.katacontainers.check;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers over the fixture host roots in src/test/resources/hosts (surefire runs in the module directory). */
final class Fixtures {
    private Fixtures() {
    }

    static Path host(String name) {
        return Path.of("src/test/resources/hosts", name);
    }

    /** Runs the file checks only, as a non-root user would. */
    static CheckReport check(String name, boolean strict) throws HostCheckException {
        return HostChecker.withoutKvmProbe(host(name), "fixture").run(Optional.empty(), strict);
    }

    static CheckResult result(CheckReport report, String checkName) {
        return report.checks().stream().filter(r -> r.name().equals(checkName)).findFirst()
                .orElseGet(() -> fail("no check named '" + checkName + "' in " + names(report.checks())));
    }

    static List<String> withStatus(CheckReport report, CheckStatus status) {
        return names(report.checks().stream().filter(r -> r.status() == status).toList());
    }

    static void assertStatus(CheckReport report, String checkName, CheckStatus expected) {
        assertEquals(expected, result(report, checkName).status(), () -> result(report, checkName).toString());
    }

    private static List<String> names(List<CheckResult> results) {
        return results.stream().map(CheckResult::name).toList();
    }
}
