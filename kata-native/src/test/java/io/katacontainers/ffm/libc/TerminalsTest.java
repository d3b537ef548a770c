package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pty pair from /dev/ptmx, raw mode and window sizes, with the constants checked against the C headers. */
class TerminalsTest {
    @TempDir
    Path dir;

    @Test
    void constantsMatchTheHeaders() throws Exception {
        CProbe probe = new CProbe().include("sys/ioctl.h").include("termios.h").include("fcntl.h");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("TIOCSPTLCK", Long.toString(Terminals.TIOCSPTLCK));
        expected.put("TIOCGPTN", Long.toString(Terminals.TIOCGPTN));
        expected.put("TIOCSWINSZ", Long.toString(Terminals.TIOCSWINSZ));
        expected.put("O_NOCTTY", Integer.toString(Terminals.O_NOCTTY));
        expected.put("sizeof(struct termios)", Long.toString(Terminals.TERMIOS_SIZE));
        expected.keySet().forEach(name -> probe.number(name, name));
        assertEquals(expected, probe.run(dir));
    }

    @Test
    void aRawPtyPassesBytesUnchangedBothWaysAndKeepsItsSize() throws Exception {
        try (Terminals.Pty pty = Terminals.openPty(false); Arena arena = Arena.ofConfined()) {
            assertTrue(Files.exists(pty.slavePath()), pty.slavePath() + " exists");
            Terminals.makeRaw(pty.slave().get());
            // Cooked mode would turn \r into \n and echo it back to the master; raw mode does neither.
            byte[] typed = {'l', 's', '\r', 3};
            Libc.write(pty.master().get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, typed));
            assertEquals(new String(typed), readAll(pty.slave(), typed.length, arena));
            byte[] shown = {'o', 'k', '\n'};
            Libc.write(pty.slave().get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, shown));
            assertEquals(new String(shown), readAll(pty.master(), shown.length, arena));

            Terminals.setWindowSize(pty.master().get(), new Terminals.WindowSize(33, 101));
            assertEquals(new Terminals.WindowSize(33, 101), Terminals.windowSize(pty.slave().get()));
        }
    }

    private static String readAll(Fd fd, int length, Arena arena) throws SyscallException {
        MemorySegment buffer = arena.allocate(length);
        StringBuilder read = new StringBuilder();
        while (read.length() < length) {
            long n = Libc.read(fd.get(), buffer.asSlice(0, length - read.length()));
            for (int i = 0; i < n; i++) {
                read.append((char) buffer.get(ValueLayout.JAVA_BYTE, i));
            }
        }
        return read.toString();
    }
}
