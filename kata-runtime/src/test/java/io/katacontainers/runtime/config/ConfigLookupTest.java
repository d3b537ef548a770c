package io.katacontainers.runtime.config;

import io.katacontainers.runtime.config.ConfigLookup.Caller;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLookupTest {

    @TempDir
    Path dir;

    private Path explicit;
    private Path env;
    private Path etc;
    private Path share;

    @BeforeEach
    void files() throws IOException {
        explicit = file("explicit/configuration.toml");
        env = file("env/configuration.toml");
        etc = file("etc/kata-containers/configuration.toml");
        share = file("usr/share/defaults/kata-containers/configuration.toml");
    }

    @Test
    void precedenceIsExplicitThenKataConfFileThenEtcThenShare() throws Exception {
        assertEquals(explicit, lookup(Optional.of(explicit), Optional.of(env.toString())).resolve());
        assertEquals(env, lookup(Optional.empty(), Optional.of(env.toString())).resolve());
        assertEquals(etc, lookup(Optional.empty(), Optional.empty()).resolve());
        Files.delete(etc);
        assertEquals(share, lookup(Optional.empty(), Optional.empty()).resolve());
    }

    @Test
    void aBlankKataConfFileCountsAsUnset() throws Exception {
        assertEquals(etc, lookup(Optional.empty(), Optional.of("  ")).resolve());
    }

    @Test
    void aMissingExplicitFileIsAnErrorNotAReasonToFallBack() {
        Path missing = dir.resolve("missing.toml");

        ConfigException e = assertThrows(ConfigException.class,
                () -> lookup(Optional.of(missing), Optional.empty()).resolve());

        assertEquals(missing + ": cannot use the configuration file given with --config: no such file or directory",
                e.getMessage());
    }

    @Test
    void aMissingKataConfFileIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> lookup(Optional.empty(), Optional.of(dir.resolve("nope.toml").toString())).resolve());

        assertTrue(e.getMessage().contains("named by KATA_CONF_FILE: no such file"), e.getMessage());
    }

    @Test
    void withNoFileAnywhereEveryTriedPathIsListed() throws Exception {
        Files.delete(etc);
        Files.delete(share);

        ConfigException e = assertThrows(ConfigException.class,
                () -> lookup(Optional.empty(), Optional.empty()).resolve());

        assertEquals("no configuration file found (use --config or KATA_CONF_FILE)\n  " + etc + ": does not exist\n  "
                + share + ": does not exist", e.getMessage());
    }

    @Test
    void theShimTakesKataConfFileOnlyWhenItNamesADefaultFile() throws Exception {
        ConfigLookup foreign = new ConfigLookup(Optional.empty(), Optional.of(env.toString()), List.of(etc, share),
                Caller.SHIM);
        ConfigException e = assertThrows(ConfigException.class, foreign::resolve);
        assertTrue(e.getMessage().startsWith(env + ": KATA_CONF_FILE may only name one of the default"),
                e.getMessage());

        ConfigLookup shipped = new ConfigLookup(Optional.empty(), Optional.of(share.toString()), List.of(etc, share),
                Caller.SHIM);
        assertEquals(share, shipped.resolve());

        ConfigLookup option = new ConfigLookup(Optional.of(env), Optional.empty(), List.of(etc, share), Caller.SHIM);
        assertEquals(env, option.resolve());
    }

    @Test
    void symbolicLinksAreResolvedSoConfigDIsTheTargets() throws Exception {
        Path target = file("usr/share/defaults/kata-containers/configuration-qemu.toml");
        Files.delete(share);
        Files.delete(etc);
        Files.createSymbolicLink(share, target.getFileName());

        assertEquals(target, lookup(Optional.empty(), Optional.empty()).resolve());
    }

    @Test
    void theDefaultPathsAreKatasTwoThenOurInstallPrefix() {
        assertEquals(List.of(Path.of("/etc/kata-containers/configuration.toml"),
                        Path.of("/usr/share/defaults/kata-containers/configuration.toml")),
                ConfigLookup.defaultPathsUnder(Optional.empty()));
        assertEquals(List.of(Path.of("/etc/kata-containers/configuration.toml"),
                        Path.of("/usr/share/defaults/kata-containers/configuration.toml"),
                        Path.of("/opt/kata-java/share/defaults/kata-containers/configuration.toml")),
                ConfigLookup.defaultPathsUnder(Optional.of(Path.of("/opt/kata-java"))));
        assertEquals(2, ConfigLookup.defaultPathsUnder(Optional.of(Path.of("/usr"))).size(),
                "a /usr prefix repeats Kata's own path");
    }

    private ConfigLookup lookup(Optional<Path> explicitPath, Optional<String> kataConfFile) {
        return new ConfigLookup(explicitPath, kataConfFile, List.of(etc, share), Caller.CLI);
    }

    private Path file(String relative) throws IOException {
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "").toRealPath();
    }
}
