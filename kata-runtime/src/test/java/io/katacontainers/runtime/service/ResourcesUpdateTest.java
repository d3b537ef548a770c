package io.katacontainers.runtime.service;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.katacontainers.agent.proto.LinuxResources;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.StatusException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourcesUpdateTest {
    private static Any any(String typeUrl, String json) {
        return Any.newBuilder().setTypeUrl(typeUrl).setValue(ByteString.copyFromUtf8(json)).build();
    }

    @Test
    void readsTheRuntimeSpecResourcesAsCtrSendsThem() throws StatusException {
        // What `ctr task update --memory-limit 67108864 --cpu-quota 50000 --cpu-period 100000` sends.
        LinuxResources resources = ResourcesUpdate.parse(any(ResourcesUpdate.TYPE_URL,
                "{\"memory\":{\"limit\":67108864,\"swap\":134217728},\"cpu\":{\"quota\":50000,\"period\":100000,"
                        + "\"cpus\":\"0-1\"},\"pids\":{\"limit\":64}}"));
        assertEquals(67108864, resources.getMemory().getLimit());
        assertEquals(134217728, resources.getMemory().getSwap());
        assertEquals(50000, resources.getCPU().getQuota());
        assertEquals(100000, resources.getCPU().getPeriod());
        assertEquals("0-1", resources.getCPU().getCpus());
        assertEquals(64, resources.getPids().getLimit());
    }

    @Test
    void anotherTypeOrBadJsonIsAnInvalidArgumentThatSaysWhy() {
        StatusException type = assertThrows(StatusException.class,
                () -> ResourcesUpdate.parse(any("types.containerd.io/opencontainers/runtime-spec/1/WindowsResources",
                        "{}")));
        assertEquals(Code.INVALID_ARGUMENT, type.code());
        assertTrue(type.getMessage().contains("WindowsResources"), type.getMessage());

        StatusException json = assertThrows(StatusException.class,
                () -> ResourcesUpdate.parse(any(ResourcesUpdate.TYPE_URL, "{\"memory\":{\"limit\":\"lots\"}}")));
        assertEquals(Code.INVALID_ARGUMENT, json.code());
        assertTrue(json.getMessage().contains("memory.limit"), json.getMessage());

        StatusException truncated = assertThrows(StatusException.class,
                () -> ResourcesUpdate.parse(any(ResourcesUpdate.TYPE_URL, "{\"memory\":")));
        assertEquals(Code.INVALID_ARGUMENT, truncated.code());
    }
}
