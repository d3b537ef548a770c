package io.katacontainers.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.agent.proto.ReadStreamRequest;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentClientTest {
    @TempDir
    Path dir;

    private FakeAgent agentAnswering(Code code) throws Exception {
        return FakeAgent.serve(dir.resolve("agent.sock"), FakeAgent.service()
                .method("ReadStdout", ReadStreamRequest.parser(), (request, context) -> {
                    throw new StatusException(code, "read of " + request.getExecId());
                }));
    }

    @Test
    void anUnknownStatusIsAFailureNotTheEndOfTheStream() throws Exception {
        try (FakeAgent agent = agentAnswering(Code.UNKNOWN); AgentClient client = agent.client()) {
            AgentException e = assertThrows(AgentException.class, () -> client.readStdout("c", "e", 16));
            assertEquals(Code.UNKNOWN, ((StatusException) e.getCause()).code());
        }
    }

    @Test
    void aProcessTheAgentNoLongerKnowsHasNoMoreOutput() throws Exception {
        try (FakeAgent agent = agentAnswering(Code.NOT_FOUND); AgentClient client = agent.client()) {
            assertEquals(Optional.empty(), client.readStdout("c", "e", 16));
        }
    }
}
