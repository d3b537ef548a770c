package io.katacontainers.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.runtime.sandbox.GuestConsoleLog;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** An agent's line in the shim's log reads as Kata's: the agent's time and level, source=agent, the sandbox id. */
class LoggingTest {
    @Test
    void anAgentRecordIsWrittenWithSourceAgentAndTheSandboxId() {
        var record = new LogRecord(Level.WARNING, "container c1: \"oom\" {0}");
        record.setLoggerName(GuestConsoleLog.AGENT_LOGGER);
        record.setParameters(new Object[] {"sb1", "GuestSandbox", Instant.parse("2026-12-07T21:30:01Z")});
        assertEquals("time=2026-12-07T21:30:01Z level=warning source=agent sandbox=sb1 name=GuestSandbox "
                + "msg=\"container c1: \\\"oom\\\" {0}\"" + System.lineSeparator(), Logging.agentLine(record));
    }
}
