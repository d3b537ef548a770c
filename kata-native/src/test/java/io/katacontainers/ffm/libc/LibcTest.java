package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downcalls, errno capture and resource ownership; no KVM needed. */
class LibcTest {
    // An ioctl number no driver for a regular file understands (KVM_GET_API_VERSION).
    private static final long SOME_IOCTL = 0xAE00;

    @TempDir
    Path dir;

    @Test
    void openOfMissingPathReportsEnoentWithPath() {
        Path missing = dir.resolve("does-not-exist");
        SyscallException e = assertThrows(SyscallException.class, () -> Libc.open(missing, Libc.O_RDONLY));
        assertEquals("open(" + missing + ")", e.syscall());
        assertEquals(Errno.ENOENT.number(), e.errno());
        assertEquals("ENOENT", e.errnoName());
        assertEquals(Optional.of(Errno.ENOENT), e.errnoConstant());
        assertEquals("open(" + missing + ") failed: ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void ioctlOnBadFdReportsEbadfWithRequestName() {
        SyscallException named = assertThrows(SyscallException.class,
                () -> Libc.ioctl(-1, SOME_IOCTL, 0L, "KVM_GET_API_VERSION"));
        assertTrue(named.is(Errno.EBADF), named.getMessage());
        assertEquals("ioctl(KVM_GET_API_VERSION) failed: EBADF (Bad file descriptor)", named.getMessage());

        SyscallException pointer = assertThrows(SyscallException.class,
                () -> Libc.ioctl(-1, SOME_IOCTL, MemorySegment.NULL));
        assertEquals("ioctl(0xae00)", pointer.syscall());
        assertEquals("EBADF", pointer.errnoName());
    }

    @Test
    void ioctlOnFileThatDoesNotUnderstandItReportsEnotty() throws Exception {
        try (Fd memfd = Libc.memfdCreate("enotty", Libc.MFD_CLOEXEC)) {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Libc.ioctl(memfd.get(), SOME_IOCTL, 0L, "KVM_GET_API_VERSION"));
            assertEquals("ENOTTY", e.errnoName());
        }
    }

    @Test
    void fdClosesOnceAndRefusesUseAfterClose() throws Exception {
        Fd fd = Libc.eventfd(0, Libc.EFD_CLOEXEC);
        int number = fd.get();
        fd.close();
        assertFalse(fd.isOpen());
        fd.close();
        assertThrows(IllegalStateException.class, fd::get);
        // The number really was released by the kernel.
        SyscallException e = assertThrows(SyscallException.class, () -> Libc.close(number));
        assertTrue(e.is(Errno.EBADF));
    }

    @Test
    void eventfdCountsWrites() throws Exception {
        try (Fd efd = Libc.eventfd(0, Libc.EFD_CLOEXEC); Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_LONG, 3);
            assertEquals(Long.BYTES, Libc.write(efd.get(), value));
            assertEquals(Long.BYTES, Libc.write(efd.get(), value));
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            assertEquals(Long.BYTES, Libc.read(efd.get(), out));
            assertEquals(6, out.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    @Test
    void nonblockingEventfdReadReportsEagain() throws Exception {
        try (Fd efd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK); Arena arena = Arena.ofConfined()) {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Libc.read(efd.get(), arena.allocate(ValueLayout.JAVA_LONG)));
            assertEquals(Errno.EAGAIN, e.errnoConstant().orElseThrow());
        }
    }

    @Test
    void memfdMappingIsSharedAndInvalidAfterClose() throws Exception {
        long size = 2 * 4096;
        try (Fd memfd = Libc.memfdCreate("shared", Libc.MFD_CLOEXEC)) {
            Libc.ftruncate(memfd.get(), size);
            MemorySegment stale;
            try (Mapping a = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, memfd.get(), 0);
                 Mapping b = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, memfd.get(), 0)) {
                assertEquals(size, a.length());
                a.segment().set(ValueLayout.JAVA_INT, 4096, 0x4b415441);
                assertEquals(0x4b415441, b.segment().get(ValueLayout.JAVA_INT, 4096));
                stale = a.segment();
            }
            assertThrows(IllegalStateException.class, () -> stale.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void mmapFailureReportsErrno() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> Libc.mmap(4096, Libc.PROT_READ, Libc.MAP_SHARED, -1, 0));
        assertEquals("EBADF", e.errnoName());
        assertTrue(e.syscall().startsWith("mmap("), e.syscall());
    }

    @Test
    void errnoLookupsCoverUnknownNumbers() {
        assertEquals(Optional.of(Errno.EBUSY), Errno.of(16));
        assertEquals("Device or resource busy", Errno.EBUSY.description());
        assertEquals(Optional.empty(), Errno.of(41));
        assertEquals(Optional.empty(), Errno.of(0));
        assertEquals(Optional.empty(), Errno.of(-5));
        assertEquals("errno 9999", Errno.nameOf(9999));
        assertEquals("Unknown error 9999", Errno.describe(9999));
        assertEquals("ioctl(KVM_CREATE_VM) failed: EBUSY (Device or resource busy)",
                new SyscallException("ioctl(KVM_CREATE_VM)", 16).getMessage());
    }

    /** Every Errno constant's number and text against the C library's own macros and strerror. */
    @Test
    void errnoTableMatchesGlibc() throws Exception {
        CProbe probe = new CProbe().include("errno.h").include("string.h");
        Map<String, String> expected = new LinkedHashMap<>();
        for (Errno e : Errno.values()) {
            probe.number("number " + e.name(), e.name());
            probe.string("text " + e.name(), "strerror(" + e.name() + ")");
            expected.put("number " + e.name(), Integer.toString(e.number()));
            expected.put("text " + e.name(), e.description());
        }
        assertEquals(expected, probe.run(dir));
    }

    @Test
    void flagConstantsMatchGlibc() throws Exception {
        Map<String, Integer> constants = new LinkedHashMap<>();
        constants.put("O_RDONLY", Libc.O_RDONLY);
        constants.put("O_WRONLY", Libc.O_WRONLY);
        constants.put("O_RDWR", Libc.O_RDWR);
        constants.put("O_CREAT", Libc.O_CREAT);
        constants.put("O_NONBLOCK", Libc.O_NONBLOCK);
        constants.put("O_CLOEXEC", Libc.O_CLOEXEC);
        constants.put("PROT_NONE", Libc.PROT_NONE);
        constants.put("PROT_READ", Libc.PROT_READ);
        constants.put("PROT_WRITE", Libc.PROT_WRITE);
        constants.put("PROT_EXEC", Libc.PROT_EXEC);
        constants.put("MAP_SHARED", Libc.MAP_SHARED);
        constants.put("MAP_PRIVATE", Libc.MAP_PRIVATE);
        constants.put("MAP_ANONYMOUS", Libc.MAP_ANONYMOUS);
        constants.put("MAP_NORESERVE", Libc.MAP_NORESERVE);
        constants.put("EFD_SEMAPHORE", Libc.EFD_SEMAPHORE);
        constants.put("EFD_NONBLOCK", Libc.EFD_NONBLOCK);
        constants.put("EFD_CLOEXEC", Libc.EFD_CLOEXEC);
        constants.put("MFD_CLOEXEC", Libc.MFD_CLOEXEC);
        constants.put("MFD_ALLOW_SEALING", Libc.MFD_ALLOW_SEALING);
        CProbe probe = new CProbe().include("fcntl.h").include("sys/mman.h").include("sys/eventfd.h");
        Map<String, String> expected = new LinkedHashMap<>();
        constants.forEach((name, value) -> {
            probe.number(name, name);
            expected.put(name, Integer.toString(value));
        });
        assertEquals(expected, probe.run(dir));
    }
}
