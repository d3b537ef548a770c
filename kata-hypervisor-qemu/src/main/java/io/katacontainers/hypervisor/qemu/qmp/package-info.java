/**
 * A QMP client on QEMU's unix socket: the capabilities handshake, then one command at a time, each matched to its
 * answer by id, so that concurrent callers never interleave on the socket.
 */
package io.katacontainers.hypervisor.qemu.qmp;
