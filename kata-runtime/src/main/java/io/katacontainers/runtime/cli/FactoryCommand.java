package io.katacontainers.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.katacontainers.api.config.KataConfig;
import io.katacontainers.api.hypervisor.HypervisorDriver;
import io.katacontainers.api.hypervisor.HypervisorException;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.config.ConfigException;
import io.katacontainers.runtime.config.ConfigLoader;
import io.katacontainers.runtime.config.ConfigSource;
import io.katacontainers.runtime.core.HypervisorDrivers;
import io.katacontainers.runtime.sandbox.VmTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code kata-runtime factory init|status|destroy}: Kata's VM factory commands, for VM templates ({@code [factory]
 * enable_template}, {@code template_path}). Added by the top-level command, which passes itself as the
 * {@link ConfigSource}.
 */
@Command(name = "factory", mixinStandardHelpOptions = true,
        description = "Manage the VM template new sandboxes start from ([factory] enable_template).",
        subcommands = {FactoryCommand.Init.class, FactoryCommand.Status.class, FactoryCommand.Destroy.class})
final class FactoryCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    private final ConfigSource source;

    FactoryCommand(ConfigSource source) {
        this.source = source;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    KataConfig config() throws ConfigException {
        return ConfigLoader.load(source.lookup(), source.strictness());
    }

    /** {@code factory init}. */
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Boot a VM to a ready agent, pause it and save it as the template under template_path.")
    static final class Init implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @picocli.CommandLine.ParentCommand
        private FactoryCommand parent;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            try {
                KataConfig config = parent.config();
                if (!config.factory().enableTemplate()) {
                    err.println("kata-runtime factory init: VM templates are off; set [factory] enable_template = "
                            + "true in " + config.file());
                    return 1;
                }
                String name = config.hypervisor().hypervisorName();
                HypervisorDriver driver = HypervisorDrivers.installed().find(name).orElseThrow(() ->
                        new HypervisorException("no driver for hypervisor '" + name + "' is installed"));
                VmTemplate.Manifest made = VmTemplate.init(config, driver);
                spec.commandLine().getOut().println("VM template made in " + VmTemplate.dir(config) + " ("
                        + made.hypervisor() + ", " + made.memoryMiB() + " MiB, " + made.vcpus() + " vCPU)");
                return 0;
            } catch (ConfigException | HypervisorException | AgentException | IOException e) {
                err.println("kata-runtime factory init: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code factory status}. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Say whether a VM template exists, and for which build and hypervisor.")
    static final class Status implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @picocli.CommandLine.ParentCommand
        private FactoryCommand parent;

        @Option(names = "--json", description = "Format output as JSON.")
        private boolean json;

        @Override
        public Integer call() throws IOException {
            KataConfig config;
            try {
                config = parent.config();
            } catch (ConfigException e) {
                spec.commandLine().getErr().println("kata-runtime factory status: " + e.getMessage());
                return 1;
            }
            Path dir = VmTemplate.dir(config);
            Optional<VmTemplate.Manifest> manifest;
            String problem = "";
            try {
                manifest = VmTemplate.read(dir);
            } catch (IOException e) {
                manifest = Optional.empty();
                problem = "corrupt: " + e.getMessage();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("enable_template", config.factory().enableTemplate());
            report.put("template_path", dir.toString());
            report.put("template", manifest.isPresent());
            manifest.ifPresent(made -> {
                report.put("runtime_version", made.runtimeVersion());
                report.put("hypervisor", made.hypervisor());
                report.put("created", made.created());
                report.put("memory_mib", made.memoryMiB());
                report.put("vcpus", made.vcpus());
            });
            if (!problem.isEmpty()) {
                report.put("problem", problem);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            } else if (manifest.isPresent()) {
                VmTemplate.Manifest made = manifest.get();
                out.println("vm template: " + dir + " (made " + made.created() + " by kata-runtime "
                        + made.runtimeVersion() + ", hypervisor " + made.hypervisor() + ", " + made.memoryMiB()
                        + " MiB, " + made.vcpus() + " vCPU)" + (config.factory().enableTemplate() ? ""
                        : "; unused: [factory] enable_template is false"));
            } else {
                out.println("vm template: none in " + dir + (problem.isEmpty() ? "" : " (" + problem + ")"));
            }
            out.flush();
            return 0;
        }
    }

    /** {@code factory destroy}. */
    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Remove the VM template (running sandboxes keep their own copies).")
    static final class Destroy implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @picocli.CommandLine.ParentCommand
        private FactoryCommand parent;

        @Override
        public Integer call() {
            try {
                KataConfig config = parent.config();
                boolean removed = VmTemplate.destroy(config);
                spec.commandLine().getOut().println(removed ? "vm template destroyed: " + VmTemplate.dir(config)
                        : "no vm template in " + VmTemplate.dir(config));
                return 0;
            } catch (ConfigException | IOException e) {
                spec.commandLine().getErr().println("kata-runtime factory destroy: " + e.getMessage());
                return 1;
            }
        }
    }
}
