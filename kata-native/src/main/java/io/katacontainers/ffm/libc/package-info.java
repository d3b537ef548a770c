/**
 * Thin FFM downcalls into glibc for what the JDK does not offer: descriptors, epoll, eventfd, memfd and mmap,
 * AF_UNIX/AF_VSOCK sockets with SCM_RIGHTS, mounts, process control (posix_spawn, waitid, pidfd, prctl), signals
 * and terminals. Each call captures errno in the same downcall; failures are
 * {@link io.katacontainers.ffm.libc.SyscallException}s carrying an {@link io.katacontainers.ffm.libc.Errno}, and
 * resources come back as owning {@link io.katacontainers.ffm.libc.Fd} and
 * {@link io.katacontainers.ffm.libc.Mapping} objects. No business logic lives here.
 */
package io.katacontainers.ffm.libc;
