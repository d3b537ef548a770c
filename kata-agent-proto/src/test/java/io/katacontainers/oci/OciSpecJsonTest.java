package io.katacontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Spec;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciSpecJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode runcSpec() throws IOException {
        try (InputStream in = OciSpecJsonTest.class.getResourceAsStream("/oci/runc-spec.json")) {
            return JSON.readTree(in);
        }
    }

    /** Jackson compares number nodes by class (int vs long): compare documents as their text reads back. */
    private static JsonNode reparsed(JsonNode node) throws IOException {
        return JSON.readTree(JSON.writeValueAsString(node));
    }

    @Test
    void readsTheSpecRuncGenerates() throws Exception {
        List<String> unknown = new ArrayList<>();
        Spec spec = OciSpecJson.fromJson(runcSpec(), unknown::add);
        assertEquals("1.0.2-dev", spec.getVersion());
        assertEquals(List.of("sh"), spec.getProcess().getArgsList());
        assertTrue(spec.getProcess().getTerminal());
        assertEquals("rootfs", spec.getRoot().getPath());
        assertTrue(spec.getRoot().getReadonly());
        assertEquals("/proc", spec.getMounts(0).getDestination());
        assertTrue(spec.getLinux().getMaskedPathsList().contains("/proc/kcore"));
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount"),
                spec.getLinux().getNamespacesList().stream().map(ns -> ns.getType()).toList());
        assertEquals(1024, spec.getProcess().getRlimits(0).getHard());
        assertEquals(List.of(), unknown, "runc's own spec maps completely");
    }

    @Test
    void roundTripsEveryMappedField() throws Exception {
        JsonNode original = runcSpec();
        Spec spec = OciSpecJson.fromJson(original, key -> { });
        JsonNode written = reparsed(OciSpecJson.toJson(spec));
        assertEquals(spec, OciSpecJson.fromJson(written, key -> { }));
        assertEquals(original.path("process").path("user"), written.path("process").path("user"));
        assertEquals(original.path("linux").path("namespaces"), written.path("linux").path("namespaces"));
        assertEquals(original.path("ociVersion"), written.path("ociVersion"));
    }

    @Test
    void acronymFieldsUseTheSpecsSpelling() throws Exception {
        JsonNode json = JSON.readTree("""
                {"process": {"user": {"uid": 1000, "gid": 100, "additionalGids": [4294967295]}, "oomScoreAdj": -17},
                 "linux": {"uidMappings": [{"hostID": 100000, "containerID": 0, "size": 65536}],
                           "resources": {"cpu": {"shares": 1024, "quota": -1}, "memory": {"limit": 1073741824}},
                           "seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
                                       "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]},
                           "sysctl": {"net.ipv4.ip_forward": "1"}},
                 "annotations": {"io.kubernetes.cri.container-type": "sandbox"}}""");
        Spec spec = OciSpecJson.fromJson(json, key -> { });
        assertEquals(1000, spec.getProcess().getUser().getUID());
        assertEquals(-1, spec.getProcess().getUser().getAdditionalGids(0), "uint32 max kept as its bit pattern");
        assertEquals(-17, spec.getProcess().getOOMScoreAdj());
        assertEquals(100000, spec.getLinux().getUIDMappings(0).getHostID());
        assertEquals(1024, spec.getLinux().getResources().getCPU().getShares());
        assertEquals(1, spec.getLinux().getSeccomp().getSyscalls(0).getErrnoret());
        assertEquals("1", spec.getLinux().getSysctlMap().get("net.ipv4.ip_forward"));
        assertEquals("sandbox", spec.getAnnotationsMap().get("io.kubernetes.cri.container-type"));
        assertEquals(json, reparsed(OciSpecJson.toJson(spec)));
    }

    @Test
    void unknownKeysAreReportedWithTheirPath() throws Exception {
        List<String> unknown = new ArrayList<>();
        OciSpecJson.fromJson(JSON.readTree("{\"process\": {\"scheduler\": {}}, \"domainname\": \"x\"}"), unknown::add);
        assertEquals(List.of("process.scheduler", "domainname"), unknown);
    }

    @Test
    void wrongTypesNameTheirPath() throws Exception {
        assertEquals("process.args[1]: expected a string", assertThrows(OciSpecException.class, () ->
                OciSpecJson.fromJson(JSON.readTree("{\"process\": {\"args\": [\"sh\", 7]}}"), key -> { }))
                .getMessage());
        assertEquals("process.user.uid: expected an integer from 0 to 4294967295",
                assertThrows(OciSpecException.class, () -> OciSpecJson.fromJson(
                        JSON.readTree("{\"process\": {\"user\": {\"uid\": -1}}}"), key -> { })).getMessage());
        assertEquals("root: expected an object", assertThrows(OciSpecException.class, () ->
                OciSpecJson.fromJson(JSON.readTree("{\"root\": \"rootfs\"}"), key -> { })).getMessage());
        assertThrows(OciSpecException.class, () -> OciSpecJson.fromJson(JSON.readTree("[]"), key -> { }));
    }
}
