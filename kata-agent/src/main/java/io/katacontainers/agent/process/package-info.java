/**
 * Child processes of the agent: {@link io.katacontainers.agent.process.Reaper}, the only code that waits for
 * children (the agent is a child subreaper), and the commands it spawns with their redirections.
 */
package io.katacontainers.agent.process;
