package io.katacontainers.packaging.guest;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guest initrd as build-initrd.sh lays it out: reproducible, self-contained, and what /init expects. */
class InitrdArchiveTest {
    private static final String AGENT_DIR = "usr/lib/kata-agent/";
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};
    private static final int PT_INTERP = 3;
    private static NewcArchive archive;
    private static Map<String, String> initConf;

    @BeforeAll
    static void readInitrd() throws Exception {
        archive = NewcArchive.read(GuestImages.initrd());
        initConf = archive.get("etc/kata-init.conf").text().lines().filter(l -> l.contains("="))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
    }

    @Test
    void membersAreSortedRootOwnedAndShareOneMtime() {
        List<String> names = archive.entries().stream().map(NewcArchive.Entry::name).toList();
        assertEquals(names.stream().sorted().toList(), names, "members in C-locale order, each directory first");
        assertEquals(1, archive.entries().stream().map(NewcArchive.Entry::mtime).distinct().count(),
                "one mtime (SOURCE_DATE_EPOCH) for every member");
        assertTrue(archive.entries().stream().allMatch(e -> e.uid() == 0 && e.gid() == 0), "all owned by root");
        assertFalse(names.stream().anyMatch(n -> n.startsWith("/") || n.startsWith("./")), "relative names");
    }

    @Test
    void initIsAnExecutableBusyboxScriptAndTheConsoleExistsBeforeDevtmpfs() {
        NewcArchive.Entry init = archive.get("init");
        assertTrue(init.text().startsWith("#!/bin/sh\n"), init.text());
        assertEquals(0755, init.mode() & 0777);
        NewcArchive.Entry console = archive.get("dev/console");
        assertEquals(NewcArchive.S_IFCHR, console.type(), "dev/console is a character device");
        assertEquals(List.of(5, 1), List.of(console.rdevMajor(), console.rdevMinor()));
        assertTrue(List.of("agent", "test").contains(initConf.get("KATA_INIT_MODE")), initConf.toString());
    }

    @Test
    void busyboxIsStaticWithItsAppletLinks() {
        NewcArchive.Entry busybox = archive.get("bin/busybox");
        assertFalse(hasInterpreter(busybox.data()), "busybox names no dynamic loader (PT_INTERP): /init runs it "
                + "before anything else, and the test init copies it alone into a container");
        assertAll(List.of("bin/sh", "bin/mount", "sbin/reboot", "usr/sbin/chroot", "sbin/ip").stream()
                .map(applet -> () -> {
                    NewcArchive.Entry link = archive.get(applet);
                    assertEquals(NewcArchive.S_IFLNK, link.type(), applet);
                    assertEquals("/bin/busybox", link.text(), applet);
                }));
    }

    @Test
    void crunComesWithItsLibrariesAndTheDynamicLoader() {
        assertTrue(hasInterpreter(archive.get("usr/bin/crun").data()), "crun is dynamically linked");
        assertAll(List.of("lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/libc.so.6",
                        "lib/x86_64-linux-gnu/libseccomp.so.2", "lib/x86_64-linux-gnu/libyajl.so.2",
                        "lib/x86_64-linux-gnu/libcap.so.2").stream()
                .map(library -> () -> assertEquals(NewcArchive.S_IFREG, archive.get(library).type(),
                        library + " is a regular file, not a dangling link to the host")));
    }

    /** Whether an x86_64 ELF executable has a PT_INTERP program header, i.e. needs a dynamic loader. */
    private static boolean hasInterpreter(byte[] elf) {
        assertArrayEquals(ELF_MAGIC, Arrays.copyOf(elf, 4), "an ELF file");
        ByteBuffer header = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long programHeaders = header.getLong(0x20);
        int entrySize = Short.toUnsignedInt(header.getShort(0x36));
        int entries = Short.toUnsignedInt(header.getShort(0x38));
        for (int i = 0; i < entries; i++) {
            if (header.getInt((int) programHeaders + i * entrySize) == PT_INTERP) {
                return true;
            }
        }
        return false;
    }

    @Test
    void jreIsTrimmedAndHasTheArchiveItsModeNeeds() {
        String release = archive.get(AGENT_DIR + "jre/release").text();
        assertTrue(release.contains("MODULES=\"java.base"), release);
        assertFalse(release.contains("java.desktop"), release);
        assertFalse(archive.has(AGENT_DIR + "jre/include"), "no header files");
        assertFalse(archive.has(AGENT_DIR + "jre/man"), "no man pages");
        assertEquals(readOptions("base.args") + readOptions("guest.args"), archive.get(AGENT_DIR + "jvm.args").text(),
                "the guest's JVM options are packaging/jvm's, unchanged");
        if (archive.has(AGENT_DIR + "modules")) {
            assertTrue(archive.get(AGENT_DIR + "agent.aot").data().length > 0, "the agent's trained AOT cache");
            assertTrue(initConf.get("KATA_AGENT_MAIN").contains("/"), initConf.toString());
        } else {
            assertEquals("test", initConf.get("KATA_INIT_MODE"), "without an agent only the test init can run");
            assertTrue(archive.get(AGENT_DIR + "jre/lib/server/classes.jsa").data().length > 0,
                    "the JRE's default CDS archive, dumped at build time");
        }
    }

    /** One of packaging/jvm's option files (the tests run in packaging/). */
    private static String readOptions(String name) {
        try {
            return Files.readString(Path.of("jvm", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
