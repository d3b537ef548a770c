package io.katacontainers.runtime.cli;

import io.katacontainers.runtime.persist.ContainerState;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kata-runtime features}: what this runtime implements, in runc's {@code features} JSON. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = "Show the implemented features as JSON (runc's format).")
final class FeaturesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        spec.commandLine().getOut().println(ContainerState.toJson(features()));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static Map<String, Object> features() {
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("ociVersionMin", "1.0.0");
        features.put("ociVersionMax", ContainerState.OCI_VERSION);
        // Run on the host by the runtime (hooks issue); createContainer/startContainer would run in the guest.
        features.put("hooks", List.of("prestart", "createRuntime", "poststart", "poststop"));
        features.put("mountOptions", List.of("bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", "suid",
                "dev", "exec", "private", "rprivate", "shared", "rshared", "slave", "rslave", "relatime",
                "norelatime", "strictatime", "noatime", "mode", "size"));
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", List.of("cgroup", "ipc", "mount", "network", "pid", "user", "uts"));
        linux.put("cgroup", Map.of("v1", false, "v2", true, "systemd", false, "systemdUser", false));
        linux.put("seccomp", Map.of("enabled", true,
                "actions", List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                        "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"),
                "operators", List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                        "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"),
                "archs", List.of("SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64")));
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        features.put("linux", linux);
        features.put("annotations", Map.of("io.katacontainers.runtime", "kata-runtime (a VM per container)"));
        return features;
    }
}
