package io.katacontainers.packaging.nested;

import io.katacontainers.packaging.Command;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VM templates on the built-in VMM, on a real KVM (inside the nested KVM harness): {@code kata-runtime run ... true}
 * cold (no template yet), {@code kata-runtime factory init} with the built-in VMM configuration, the same run from the
 * template, then a container from the template that prints its hostname and a file of its bundle and exits 3,
 * {@code factory status}, {@code factory destroy}; nothing is left (template, staging directory, sandboxes,
 * processes). Prints the cold and template run times (the template benchmark's built-in VMM figures). One harness
 * run, a few minutes under TCG.
 */
@Order(10)
@Isolated
class BuiltinTemplateNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Duration TIMEOUT = Duration.ofSeconds(1200);

    @TempDir
    Path work;

    @Test
    void aContainerRunsFromABuiltinVmmTemplateAndNothingIsLeft() throws Exception {
        NestedKvm.requireHarness();
        Path quick = bundle("quick", "true");
        Path talk = bundle("talk", "sh", "-c", "echo \"host=$(hostname)\"; echo \"marker=$(cat /etc/wire-marker)\"; "
                + "exit 3");
        Files.writeString(talk.resolve("rootfs/etc/wire-marker"), "template-clone-ok\n");
        Path templateDir = Path.of("/run/kata-wire-template/template");
        Path config = NestedKvm.configuration(DIST, "configuration-builtin.toml", work);
        Files.writeString(work.resolve("config.d/60-template.toml"), "[factory]\nenable_template = true\n"
                + "template_path = \"" + templateDir + "\"\n");
        Path log = work.resolve("runtime.log");
        String rt = NestedKvm.quote(config.toString());
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                rt() { KATA_CONF_FILE=%1$s build/bin/kata-runtime "$@"; }
                ms() { echo $(( ($(date +%%s%%N) - $1) / 1000000 )); }
                t=$(date +%%s%%N); e=0; rt --log-level info run --bundle %2$s wire-cold >>%4$s 2>&1 || e=$?
                echo "cold_ms=$(ms $t)"; echo "cold_exit=$e"
                t=$(date +%%s%%N); e=0; rt factory init >>%4$s 2>&1 || e=$?
                echo "init_ms=$(ms $t)"; echo "init_exit=$e"
                echo "status_after_init=$(rt factory status 2>&1 | head -1)"
                echo "template_files=$(ls %5$s | sort | tr '\\n' ' ')"
                t=$(date +%%s%%N); e=0; rt --log-level info run --bundle %2$s wire-warm >>%4$s 2>&1 || e=$?
                echo "warm_ms=$(ms $t)"; echo "warm_exit=$e"
                t=$(date +%%s%%N); e=0; rt --log-level info run --bundle %2$s wire-warm2 >>%4$s 2>&1 || e=$?
                echo "warm2_ms=$(ms $t)"; echo "warm2_exit=$e"
                e=0; rt --log-level info run --bundle %3$s wire-talk > %6$s 2>>%4$s || e=$?
                echo "talk_exit=$e"
                cat %6$s
                e=0; rt factory destroy >>%4$s 2>&1 || e=$?
                echo "destroy_exit=$e"
                echo "status_after_destroy=$(rt factory status 2>&1 | head -1)"
                echo "restored_lines=$(grep -c 'VM restored from the template' %4$s)"
                echo "leftover_template=$(ls -A /run/kata-wire-template 2>/dev/null | wc -l)"
                echo "leftover_sandbox_dirs=$(ls -A /run/vc/sbs 2>/dev/null | wc -l)"
                echo "leftover_processes=$(pgrep -f -- 'vc/[s]bs/wire-|factory-[t]emplate' | wc -l || true)"
                rm -rf /run/kata-wire-template
                """.formatted(rt, NestedKvm.quote(quick.toString()), NestedKvm.quote(talk.toString()),
                NestedKvm.quote(log.toString()), NestedKvm.quote(templateDir.toString()),
                NestedKvm.quote(work.resolve("talk.out").toString()));
        Command run = NestedKvm.run(TIMEOUT, script);
        Map<String, String> v = NestedKvm.values(run.stdout());
        String runtimeLog = Files.exists(log) ? Files.readString(log) : "(none)";
        String report = run + "\nkata-runtime output:\n" + runtimeLog;

        assertEquals(0, run.exitCode(), report);
        assertEquals("0", v.get("cold_exit"), report);
        assertEquals("0", v.get("init_exit"), report);
        assertTrue(v.getOrDefault("status_after_init", "").startsWith("vm template: " + templateDir + " (made"),
                report);
        assertTrue(v.getOrDefault("template_files", "").contains("builtin-template.properties")
                && v.get("template_files").contains("memory") && v.get("template_files").contains("state"), report);
        assertEquals("0", v.get("warm_exit"), report);
        assertEquals("0", v.get("warm2_exit"), report);
        assertEquals("3", v.get("talk_exit"), "the clone's container exit code comes back: " + report);
        assertEquals("template-clone-ok", v.get("marker"), "the clone reads its own bundle's rootfs: " + report);
        assertTrue(v.getOrDefault("host", "").length() > 0, report);
        assertEquals("3", v.get("restored_lines"), "three sandboxes started from the template: " + report);
        assertEquals("0", v.get("destroy_exit"), report);
        assertTrue(v.getOrDefault("status_after_destroy", "").startsWith("vm template: none in " + templateDir),
                report);
        assertEquals("0", v.get("leftover_template"), report);
        assertEquals("0", v.get("leftover_sandbox_dirs"), report);
        assertEquals("0", v.get("leftover_processes"), report);
        NestedKvm.assertNothingLeft(Path.of(v.get("harness_dir")));
        System.out.printf("built-in VMM, nested KVM: kata-runtime run true cold %s ms, from the template %s ms and %s"
                + " ms; factory init %s ms%n", v.get("cold_ms"), v.get("warm_ms"), v.get("warm2_ms"), v.get("init_ms"));
        runtimeLog.lines().filter(l -> l.contains("restored VM from") || l.contains("saved VM snapshot"))
                .forEach(System.out::println);
    }

    private Path bundle(String name, String... args) throws Exception {
        Path bundle = Files.createDirectories(work.resolve(name));
        List<String> argv = new java.util.ArrayList<>(List.of(
                NestedKvm.REPO.resolve("packaging/bundle/make-bundle.sh").toString(), bundle.toString()));
        argv.addAll(List.of(args));
        Command make = Command.run(NestedKvm.REPO, Map.of(), false, Duration.ofSeconds(60), argv);
        assertEquals(0, make.exitCode(), make.toString());
        return bundle;
    }
}
