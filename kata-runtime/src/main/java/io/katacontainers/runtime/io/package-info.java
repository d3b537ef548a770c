/**
 * Process I/O on the host: {@code ProcessIo} copies a guest process's stdio to and from the caller's streams and
 * says when output is incomplete, {@code HostTerminal} puts the caller's terminal in raw mode and follows its size,
 * {@code SignalForwarder} passes signals on to the container, and {@code ExitWatcher} records every exit, a
 * failed wait included.
 */
package io.katacontainers.runtime.io;
