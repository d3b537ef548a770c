/**
 * A container process's standard streams on the agent's side: pipes or a terminal
 * ({@link io.katacontainers.agent.io.GuestProcessIo}), output buffered for ReadStdout/ReadStderr by pumps on platform
 * threads, stdin fed in order by a pump of its own, and the console socket through which the OCI runtime hands
 * over a terminal.
 */
package io.katacontainers.agent.io;
