/** One-line log records on stderr at the agent's level, for every {@code System.Logger} in the agent's JVM. */
package io.katacontainers.agent.log;
