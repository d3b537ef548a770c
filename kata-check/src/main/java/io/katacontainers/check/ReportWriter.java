package io.katacontainers.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.PrintWriter;

/** Renders a {@link CheckReport} as Kata-like text or as JSON. */
public final class ReportWriter {
    private final ObjectMapper json = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
            .build();

    public ReportWriter() {
        // Stateless apart from the configured JSON mapper.
    }

    /**
     * Text as Kata prints it: problems (every check with {@code verbose}), then the verdicts. Success verdicts go
     * to {@code out}; failure verdicts, prefixed "ERROR: " as Kata's are, go to {@code err}.
     */
    public void writeText(CheckReport report, boolean verbose, PrintWriter out, PrintWriter err) {
        if (verbose) {
            out.println("Checking " + report.architecture() + " (" + report.platform().description() + "), host root "
                    + report.hostRoot() + (report.strict() ? ", strict" : ""));
        }
        for (CheckResult result : report.checks()) {
            boolean problem = result.status() == CheckStatus.FAIL || result.status() == CheckStatus.WARN;
            if (verbose || problem) {
                out.printf("%-4s %s: %s%n", result.status(), result.name(), result.reason());
            }
        }
        out.println(report.hypervisor().describe());
        out.flush();
        if (!report.capable()) {
            err.println("ERROR: " + CheckReport.NOT_CAPABLE);
        } else {
            out.println(CheckReport.CAPABLE);
            if (report.kvmProbed()) {
                if (report.canCreate()) {
                    out.println(CheckReport.CAN_CREATE);
                } else {
                    out.flush();
                    err.println("ERROR: " + CheckReport.CANNOT_CREATE);
                }
            }
        }
        out.flush();
        err.flush();
    }

    public void writeJson(CheckReport report, PrintWriter out) throws IOException {
        out.println(json.writeValueAsString(report));
        out.flush();
    }
}
