package io.katacontainers.ffm.libc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process, pipe, socket, mount and system bindings the guest agent uses, against glibc and the kernel. */
class SystemBindingsTest {
    @TempDir
    Path dir;

    @Test
    void constantsAndLayoutsMatchGlibc() throws Exception {
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("SIGKILL", (long) Processes.SIGKILL);
        constants.put("SIGTERM", (long) Processes.SIGTERM);
        constants.put("SIGCHLD", (long) Processes.SIGCHLD);
        constants.put("WNOHANG", (long) Processes.WNOHANG);
        constants.put("__WALL", (long) Processes.WALL);
        constants.put("PR_SET_CHILD_SUBREAPER", (long) Processes.PR_SET_CHILD_SUBREAPER);
        constants.put("PR_GET_CHILD_SUBREAPER", (long) Processes.PR_GET_CHILD_SUBREAPER);
        constants.put("F_GETFL", (long) Pipes.F_GETFL);
        constants.put("F_SETFL", (long) Pipes.F_SETFL);
        constants.put("POLLIN", (long) Poll.POLLIN);
        constants.put("POLLOUT", (long) Poll.POLLOUT);
        constants.put("POLLERR", (long) Poll.POLLERR);
        constants.put("POLLHUP", (long) Poll.POLLHUP);
        constants.put("POLLNVAL", (long) Poll.POLLNVAL);
        constants.put("AF_UNIX", (long) Sockets.AF_UNIX);
        constants.put("AF_VSOCK", (long) Sockets.AF_VSOCK);
        constants.put("SOCK_STREAM", (long) Sockets.SOCK_STREAM);
        constants.put("SOCK_NONBLOCK", (long) Sockets.SOCK_NONBLOCK);
        constants.put("SOCK_CLOEXEC", (long) Sockets.SOCK_CLOEXEC);
        constants.put("SHUT_RDWR", (long) Sockets.SHUT_RDWR);
        constants.put("SOL_SOCKET", (long) Sockets.SOL_SOCKET);
        constants.put("SCM_RIGHTS", (long) Sockets.SCM_RIGHTS);
        constants.put("MSG_CMSG_CLOEXEC", (long) Sockets.MSG_CMSG_CLOEXEC);
        constants.put("(unsigned)VMADDR_CID_ANY", Integer.toUnsignedLong(Sockets.VMADDR_CID_ANY));
        constants.put("CMSG_LEN(sizeof(int))", Sockets.CMSG_LEN_ONE_FD);
        constants.put("CMSG_SPACE(sizeof(int))", Sockets.CMSG_SPACE_ONE_FD);
        constants.put("MS_RDONLY", Mounts.MS_RDONLY);
        constants.put("MS_NOSUID", Mounts.MS_NOSUID);
        constants.put("MS_NODEV", Mounts.MS_NODEV);
        constants.put("MS_NOEXEC", Mounts.MS_NOEXEC);
        constants.put("MS_SYNCHRONOUS", Mounts.MS_SYNCHRONOUS);
        constants.put("MS_REMOUNT", Mounts.MS_REMOUNT);
        constants.put("MS_MANDLOCK", Mounts.MS_MANDLOCK);
        constants.put("MS_DIRSYNC", Mounts.MS_DIRSYNC);
        constants.put("MS_NOATIME", Mounts.MS_NOATIME);
        constants.put("MS_NODIRATIME", Mounts.MS_NODIRATIME);
        constants.put("MS_BIND", Mounts.MS_BIND);
        constants.put("MS_MOVE", Mounts.MS_MOVE);
        constants.put("MS_REC", Mounts.MS_REC);
        constants.put("MS_SILENT", Mounts.MS_SILENT);
        constants.put("MS_UNBINDABLE", Mounts.MS_UNBINDABLE);
        constants.put("MS_PRIVATE", Mounts.MS_PRIVATE);
        constants.put("MS_SLAVE", Mounts.MS_SLAVE);
        constants.put("MS_SHARED", Mounts.MS_SHARED);
        constants.put("MS_RELATIME", Mounts.MS_RELATIME);
        constants.put("MS_STRICTATIME", Mounts.MS_STRICTATIME);
        constants.put("MS_LAZYTIME", Mounts.MS_LAZYTIME);
        constants.put("MNT_FORCE", (long) Mounts.MNT_FORCE);
        constants.put("MNT_DETACH", (long) Mounts.MNT_DETACH);
        constants.put("(unsigned)RB_AUTOBOOT", Integer.toUnsignedLong(SystemControl.RB_AUTOBOOT));
        constants.put("(unsigned)RB_HALT_SYSTEM", Integer.toUnsignedLong(SystemControl.RB_HALT_SYSTEM));
        constants.put("(unsigned)RB_POWER_OFF", Integer.toUnsignedLong(SystemControl.RB_POWER_OFF));
        constants.put("TIOCGWINSZ", Terminals.TIOCGWINSZ);
        constants.put("TIOCSWINSZ", Terminals.TIOCSWINSZ);
        constants.put("POSIX_SPAWN_SETSIGDEF", (long) PosixSpawn.POSIX_SPAWN_SETSIGDEF);
        constants.put("POSIX_SPAWN_SETSIGMASK", (long) PosixSpawn.POSIX_SPAWN_SETSIGMASK);
        constants.put("POSIX_SPAWN_SETSID", (long) PosixSpawn.POSIX_SPAWN_SETSID);
        constants.put("sizeof(posix_spawn_file_actions_t)", PosixSpawn.FILE_ACTIONS_SIZE);
        constants.put("sizeof(posix_spawnattr_t)", PosixSpawn.ATTR_SIZE);
        constants.put("sizeof(sigset_t)", PosixSpawn.SIGSET_SIZE);
        constants.put("EPOLLIN", (long) Epoll.EPOLLIN);
        constants.put("EPOLLOUT", (long) Epoll.EPOLLOUT);
        constants.put("EPOLLERR", (long) Epoll.EPOLLERR);
        constants.put("EPOLLHUP", (long) Epoll.EPOLLHUP);
        constants.put("EPOLLRDHUP", (long) Epoll.EPOLLRDHUP);
        constants.put("EPOLL_CTL_ADD", (long) Epoll.EPOLL_CTL_ADD);
        constants.put("EPOLL_CTL_DEL", (long) Epoll.EPOLL_CTL_DEL);
        constants.put("EPOLL_CTL_MOD", (long) Epoll.EPOLL_CTL_MOD);
        constants.put("EPOLL_CLOEXEC", (long) Epoll.EPOLL_CLOEXEC);

        CProbe probe = new CProbe();
        for (String header : List.of("signal.h", "sys/wait.h", "sys/prctl.h", "fcntl.h", "poll.h", "sys/socket.h",
                "linux/vm_sockets.h", "sys/mount.h", "sys/reboot.h", "sys/ioctl.h", "spawn.h", "stddef.h",
                "sys/un.h", "sys/uio.h", "sys/time.h", "sys/epoll.h")) {
            probe.include(header);
        }
        Map<String, String> expected = new LinkedHashMap<>();
        constants.forEach((name, value) -> {
            probe.number(name, name);
            expected.put(name, Long.toString(value));
        });
        for (StructLayout struct : List.of(Poll.POLLFD, Sockets.SOCKADDR_VM, Sockets.SOCKADDR_UN, Sockets.IOVEC,
                Sockets.MSGHDR, Sockets.CMSGHDR, SystemControl.TIMEVAL, Terminals.WINSIZE, Epoll.EPOLL_EVENT,
                ThreadSignals.SIGACTION)) {
            String name = struct.name().orElseThrow();
            probe.number("sizeof " + name, "sizeof(struct " + name + ")");
            expected.put("sizeof " + name, Long.toString(struct.byteSize()));
            for (MemoryLayout member : struct.memberLayouts()) {
                if (member.name().isPresent()) {
                    String field = member.name().get();
                    probe.number(name + "." + field, "offsetof(struct " + name + ", " + field + ")");
                    expected.put(name + "." + field, Long.toString(
                            struct.byteOffset(MemoryLayout.PathElement.groupElement(field))));
                }
            }
        }
        assertEquals(expected, probe.run(dir));
    }

    @Test
    void spawnedChildGetsItsDescriptorsAndIsReapedWithItsStatus() throws Exception {
        try (Pipes.Pipe out = Pipes.pipe(Libc.O_CLOEXEC)) {
            int pid = PosixSpawn.spawn(Path.of("/bin/sh"), List.of("sh", "-c", "pwd; echo $FOO; exit 7"),
                    List.of("FOO=bar"), List.of(new PosixSpawn.Dup2(out.write().get(), 1),
                            new PosixSpawn.Chdir(dir)), false);
            out.write().close();
            Processes.WaitStatus status = Processes.wait4(pid, 0).orElseThrow();
            assertEquals(pid, status.pid());
            assertTrue(status.exited());
            assertEquals(7, status.exitCode());
            assertEquals(dir.toRealPath() + "\nbar\n", readAll(out.read()));
        }
    }

    @Test
    void killedChildReportsItsSignal() throws Exception {
        int pid = PosixSpawn.spawn(Path.of("/bin/sleep"), List.of("sleep", "30"), List.of(), List.of(), true);
        Processes.kill(pid, Processes.SIGKILL);
        Processes.WaitStatus status = Processes.wait4(pid, 0).orElseThrow();
        assertTrue(status.signaled());
        assertEquals(Processes.SIGKILL, status.termSignal());
    }

    @Test
    void missingProgramFailsWithEnoent() {
        SyscallException e = assertThrows(SyscallException.class, () -> PosixSpawn.spawn(dir.resolve("nope"),
                List.of("nope"), List.of(), List.of(), false));
        assertTrue(e.is(Errno.ENOENT), e.getMessage());
    }

    @Test
    void epollReportsTheReadyDescriptorWithItsData() throws Exception {
        try (Epoll epoll = Epoll.create(4); Pipes.Pipe a = Pipes.pipe(Libc.O_CLOEXEC);
             Pipes.Pipe b = Pipes.pipe(Libc.O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            epoll.add(a.read().get(), Epoll.EPOLLIN, 0x1_0000_0001L);
            epoll.add(b.read().get(), Epoll.EPOLLIN, 0x2_0000_0002L);
            assertEquals(0, epoll.await(0), "nothing written yet");
            Libc.write(b.write().get(), arena.allocateFrom("x"));
            assertEquals(1, epoll.await(1000));
            assertEquals(Epoll.EPOLLIN, epoll.readyEvents(0));
            assertEquals(0x2_0000_0002L, epoll.readyData(0));
            epoll.modify(b.read().get(), Epoll.EPOLLOUT, 7);
            assertEquals(0, epoll.await(0), "a read end never becomes writable");
            epoll.remove(b.read().get());
            SyscallException gone = assertThrows(SyscallException.class, () -> epoll.remove(b.read().get()));
            assertTrue(gone.is(Errno.ENOENT), gone.getMessage());
        }
    }

    @Test
    void pollSeesDataOnANonBlockingPipe() throws Exception {
        try (Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC); Arena arena = Arena.ofConfined()) {
            Pipes.setNonBlocking(pipe.read().get());
            assertEquals(0, Poll.poll(pipe.read().get(), Poll.POLLIN, 10));
            SyscallException again = assertThrows(SyscallException.class,
                    () -> Libc.read(pipe.read().get(), arena.allocate(8)));
            assertTrue(again.is(Errno.EAGAIN));
            Libc.write(pipe.write().get(), arena.allocateFrom("x"));
            assertTrue((Poll.poll(pipe.read().get(), Poll.POLLIN, 1000) & Poll.POLLIN) != 0);
        }
    }

    @Test
    void descriptorTravelsOverAUnixSocket() throws Exception {
        Fd[] pair = Sockets.socketPair();
        try (Fd a = pair[0]; Fd b = pair[1]; Pipes.Pipe pipe = Pipes.pipe(Libc.O_CLOEXEC)) {
            Sockets.sendFd(a.get(), pipe.write().get(), "/dev/pts/7".getBytes(StandardCharsets.UTF_8));
            Sockets.ReceivedFd received = Sockets.receiveFd(b.get(), 4096);
            try (Fd copy = received.fd(); Arena arena = Arena.ofConfined()) {
                assertArrayEquals("/dev/pts/7".getBytes(StandardCharsets.UTF_8), received.payload());
                Libc.write(copy.get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'z'));
                MemorySegment one = arena.allocate(1);
                assertEquals(1, Libc.read(pipe.read().get(), one));
                assertEquals('z', one.get(ValueLayout.JAVA_BYTE, 0));
            }
        }
    }

    @Test
    void nonBlockingUnixListenerWithoutClientReportsEagain() throws Exception {
        Path socket = dir.resolve("s");
        try (Fd listener = Sockets.listenUnix(socket, 1, Sockets.SOCK_NONBLOCK)) {
            assertTrue(Files.exists(socket));
            SyscallException none = assertThrows(SyscallException.class, () -> Sockets.accept(listener.get(), 0));
            assertTrue(none.is(Errno.EAGAIN));
        }
    }

    @Test
    void shutdownWakesAThreadBlockedInAccept() throws Exception {
        Path socket = dir.resolve("blocking");
        try (Fd listener = Sockets.listenUnix(socket, 1, 0)) {
            var accepting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return Sockets.accept(listener.get(), 0);
                } catch (SyscallException e) {
                    return e;
                }
            }, java.util.concurrent.Executors.newSingleThreadExecutor());
            Thread.sleep(100);
            Sockets.shutdown(listener.get());
            Object outcome = accepting.get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(outcome instanceof SyscallException e && e.is(Errno.EINVAL), String.valueOf(outcome));
        }
    }

    /** Where the kernel has AF_VSOCK (this host has /dev/vsock but no transport to connect through). */
    @Test
    void vsockListenerBindsAnyContextId() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/vsock")), "no AF_VSOCK here");
        int port = 20_000 + (int) (ProcessHandle.current().pid() % 10_000);
        try (Fd listener = Sockets.listenVsock(port, 1, Sockets.SOCK_NONBLOCK)) {
            assertEquals(0, Poll.poll(listener.get(), Poll.POLLIN, 10), "nobody connects");
            SyscallException none = assertThrows(SyscallException.class, () -> Sockets.accept(listener.get(), 0));
            assertTrue(none.is(Errno.EAGAIN));
        }
    }

    @Test
    void subreaperFlagSticks() throws Exception {
        Processes.setChildSubreaper(true);
        assertTrue(Processes.isChildSubreaper());
        Processes.setChildSubreaper(false);
        assertEquals(false, Processes.isChildSubreaper());
    }

    private static String readAll(Fd fd) throws SyscallException {
        StringBuilder text = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(256);
            long n;
            while ((n = Libc.read(fd.get(), buffer)) > 0) {
                text.append(new String(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
        }
        return text.toString();
    }
}
