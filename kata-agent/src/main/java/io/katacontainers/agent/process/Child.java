package io.katacontainers.agent.process;

import java.util.concurrent.CompletableFuture;

/**
 * A process the {@link Reaper} watches.
 *
 * @param pid  its process id
 * @param exit completes once it has been reaped; never completes exceptionally
 */
public record Child(int pid, CompletableFuture<Termination> exit) {
}
