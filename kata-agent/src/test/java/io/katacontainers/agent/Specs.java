package io.katacontainers.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.agent.proto.Box;
import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.oci.OciSpecException;
import io.katacontainers.oci.OciSpecJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/** Specs as a Kata runtime would send them: parsed from runtime-spec JSON, root pointing into the "guest". */
final class Specs {
    private Specs() {
    }

    static Spec busybox(Path rootfs, List<String> args) throws IOException, OciSpecException {
        Spec base;
        try (InputStream json = Specs.class.getResourceAsStream("/oci/busybox-spec.json")) {
            base = OciSpecJson.fromJson(new ObjectMapper().readTree(json), unknown -> {
                throw new IllegalStateException("unmapped key in the test spec: " + unknown);
            });
        }
        var spec = base.toBuilder();
        spec.getRootBuilder().setPath(rootfs.toString());
        spec.getProcessBuilder().clearArgs().addAllArgs(args);
        return spec.build();
    }

    static Spec withTerminal(Spec spec, int rows, int columns) {
        var builder = spec.toBuilder();
        builder.getProcessBuilder().setTerminal(true)
                .setConsoleSize(Box.newBuilder().setHeight(rows).setWidth(columns));
        return builder.build();
    }

    static Spec withBindMount(Spec spec, Path source, String destination) {
        return spec.toBuilder().addMounts(Mount.newBuilder().setDestination(destination).setType("bind")
                .setSource(source.toString()).addOptions("rbind").addOptions("rw")).build();
    }

    /** A process for ExecProcess, with the container's environment. */
    static Process process(List<String> args) {
        return Process.newBuilder().addAllArgs(args).addEnv("PATH=/bin").setCwd("/").build();
    }
}
