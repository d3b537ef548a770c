package io.katacontainers.ffm.libc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** Pseudo-terminals: a new pair from {@code /dev/ptmx}, raw mode, and the window size ioctls. */
public final class Terminals {
    public static final long TIOCGWINSZ = 0x5413;
    public static final long TIOCSWINSZ = 0x5414;
    /** Unlock a pty's slave (int* 0) and read its number (unsigned*), as unlockpt(3) and ptsname(3) do. */
    public static final long TIOCSPTLCK = 0x40045431L;
    public static final long TIOCGPTN = 0x80045430L;
    public static final int O_NOCTTY = 0400;
    /** sizeof(struct termios) in glibc x86_64 is 60; tcgetattr writes no more. */
    static final long TERMIOS_SIZE = 60;
    private static final int TCSANOW = 0;
    private static final Path PTMX = Path.of("/dev/ptmx");

    private static final MethodHandle TCGETATTR = Downcalls.withErrno("tcgetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle TCSETATTR = Downcalls.withErrno("tcsetattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CFMAKERAW = Downcalls.plain("cfmakeraw",
            FunctionDescriptor.ofVoid(ADDRESS));

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

    /**
     * A pseudo-terminal: the master (what runc hands to its caller over {@code --console-socket}) and its slave,
     * whose path is {@code slavePath}.
     */
    public record Pty(Fd master, Fd slave, Path slavePath) implements AutoCloseable {
        @Override
        public void close() throws SyscallException {
            try {
                master.close();
            } finally {
                slave.close();
            }
        }
    }

    /**
     * Opens a new pty pair (posix_openpt, unlockpt, ptsname and open of the slave, as openpty(3) does), both ends
     * close-on-exec; the slave is opened with {@code O_NOCTTY} unless {@code controlling}, in which case a session
     * leader without a terminal takes it as its controlling terminal (and then gets SIGWINCH on resizes).
     */
    public static Pty openPty(boolean controlling) throws SyscallException {
        Fd master = Libc.open(PTMX, Libc.O_RDWR | O_NOCTTY | Libc.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, 0);
            Libc.ioctl(master.get(), TIOCSPTLCK, value, "TIOCSPTLCK");
            Libc.ioctl(master.get(), TIOCGPTN, value, "TIOCGPTN");
            Path slavePath = Path.of("/dev/pts", Integer.toUnsignedString(value.get(JAVA_INT, 0)));
            Fd slave = Libc.open(slavePath, Libc.O_RDWR | Libc.O_CLOEXEC | (controlling ? 0 : O_NOCTTY));
            return new Pty(master, slave, slavePath);
        } catch (SyscallException | RuntimeException e) {
            master.close();
            throw e;
        }
    }

    /** cfmakeraw on a terminal: no echo, no line editing, no signal keys, no CR/LF translation, 8-bit bytes. */
    public static void makeRaw(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Downcalls.callState(arena);
            MemorySegment termios = arena.allocate(TERMIOS_SIZE + 4, 8);
            int rc;
            try {
                rc = (int) TCGETATTR.invokeExact(state, fd, termios);
                Downcalls.check(rc, state, "tcgetattr(" + fd + ")");
                CFMAKERAW.invokeExact(termios);
                rc = (int) TCSETATTR.invokeExact(state, fd, TCSANOW, termios);
            } catch (SyscallException e) {
                throw e;
            } catch (Throwable t) {
                throw Downcalls.failure(t);
            }
            Downcalls.check(rc, state, "tcsetattr(" + fd + ")");
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
