package io.katacontainers.runtime.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How this program starts another copy of itself (a detached sandbox holder, the shim daemon): the installed
 * launcher when running from an install, else this JVM with its module path (tests, a development tree).
 */
public final class SelfCommand {
    private SelfCommand() {
    }

    /**
     * @param launcher  the install's launcher, {@code kata-runtime} or {@code containerd-shim-kata-v2}
     * @param mainClass the entry point the launcher runs
     */
    public static List<String> argv(String launcher, Class<?> mainClass) {
        String prefix = System.getProperty("kata.install.prefix");
        if (prefix != null && Files.isExecutable(Path.of(prefix, "bin", launcher))) {
            return List.of(Path.of(prefix, "bin", launcher).toString());
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "--enable-native-access=io.katacontainers.ffm", "-p",
                System.getProperty("jdk.module.path", ""), "-m",
                mainClass.getModule().getName() + "/" + mainClass.getName());
    }
}
