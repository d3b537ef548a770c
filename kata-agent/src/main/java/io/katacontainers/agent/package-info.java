/**
 * The agent inside the guest: {@code Main} parses its options (and the guest kernel's command line), {@code Agent}
 * puts the channel, the ttrpc server and the services together and runs until DestroySandbox, and the self-test
 * trains the initrd's AOT cache on a real container start. The subpackages hold the pieces: the agent channel
 * (vsock or virtio-serial), the {@code grpc.AgentService} implementation, containers through the OCI runtime
 * (crun), process I/O, mounts, cgroup statistics, logging and guest system set-up.
 */
package io.katacontainers.agent;
