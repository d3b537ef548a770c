package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/** Terminal ioctls on a pty master. */
public final class Terminals {
    public static final long TIOCGWINSZ = 0x5413;
    public static final long TIOCSWINSZ = 0x5414;

    /** struct winsize. */
    public static final StructLayout WINSIZE = MemoryLayout.structLayout(
            JAVA_SHORT.withName("ws_row"), JAVA_SHORT.withName("ws_col"),
            JAVA_SHORT.withName("ws_xpixel"), JAVA_SHORT.withName("ws_ypixel")).withName("winsize");

    private Terminals() {
    }

    /** A terminal's size in characters. */
    public record WindowSize(int rows, int columns) {
        public WindowSize {
            if (rows < 0 || rows > 0xffff || columns < 0 || columns > 0xffff) {
                throw new IllegalArgumentException("window size out of range: " + rows + "x" + columns);
            }
        }
    }

    /** ioctl(TIOCSWINSZ): the kernel then sends SIGWINCH to the terminal's foreground process group. */
    public static void setWindowSize(int fd, WindowSize size) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(WINSIZE);
            winsize.set(JAVA_SHORT, 0, (short) size.rows());
            winsize.set(JAVA_SHORT, 2, (short) size.columns());
            Libc.ioctl(fd, TIOCSWINSZ, winsize, "TIOCSWINSZ");
        }
    }

    /** ioctl(TIOCGWINSZ). */
    public static WindowSize windowSize(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(WINSIZE);
            Libc.ioctl(fd, TIOCGWINSZ, winsize, "TIOCGWINSZ");
            return new WindowSize(Short.toUnsignedInt(winsize.get(JAVA_SHORT, 0)),
                    Short.toUnsignedInt(winsize.get(JAVA_SHORT, 2)));
        }
    }
}
