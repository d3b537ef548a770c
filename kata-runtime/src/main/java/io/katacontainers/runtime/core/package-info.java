/**
 * The container manager under the runtime's three front ends ({@code containerd-shim-kata-v2}'s task service, the
 * runc-like commands with their sandbox holder, and {@code kata-runtime run}):
 * {@link io.katacontainers.runtime.core.SandboxBootstrap} turns configuration into a running sandbox (driver,
 * sandbox directory, VM, agent) and {@link io.katacontainers.runtime.core.GuestProcess} runs one process in it
 * (attach stdio, start, wait, drain output, with incomplete output reported). The init process of a container goes
 * by the container's id in the agent; the empty exec id signals all of its processes.
 *
 * <h2>The runtime's concurrency rule</h2>
 * <ul>
 *   <li><b>Virtual threads</b> do the waiting: exit watchers ({@link io.katacontainers.runtime.io.ExitWatcher}),
 *       the OOM event watcher, the FIFO drains after an exit, the ttrpc calls served. They block in Java I/O and
 *       {@code java.util.concurrent}; a monitor held across an agent call does not pin them (JDK 24+).</li>
 *   <li><b>Platform threads</b> do the copying that may block in native reads: a process's stdout and stderr
 *       copies and its stdin copy (a daemon: a terminal's stdin outlives the process), the event sender to
 *       containerd, and the acceptors of the shim's task socket and the sandbox holder's control socket.</li>
 *   <li><b>Locks</b>: the task service's lifecycle lock (a {@code ReentrantLock}) orders every call that changes
 *       the sandbox (Create, Start, Exec, Kill, Pause, Resume, Update, Delete, Shutdown), so hypervisor and agent
 *       control calls never interleave; State, Wait, Stats, ResizePty and the stdio calls do not take it. A
 *       {@code Sandbox} guards its own containers and closed flag with its own lock; a shim process guards its
 *       state and stdio with its own monitor, which nobody else takes (held across its start and its pause or
 *       resume, so that a transition and the agent call that makes it are one step); a sandbox's resource ledger
 *       locks itself around each record and teardown; the sandbox holder's call lock serializes the forwarded
 *       calls that change the sandbox, and its state lock the writes of {@code state.json}. Locks are taken in
 *       that order (lifecycle, then sandbox or process, then ledger), never the other way round.</li>
 * </ul>
 */
package io.katacontainers.runtime.core;
