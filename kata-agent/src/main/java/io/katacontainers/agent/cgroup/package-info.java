/** cgroup v2 for containers: their directories, their statistics, and OOM events from {@code memory.events}. */
package io.katacontainers.agent.cgroup;
