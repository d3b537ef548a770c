/**
 * The pod's network reaching the VM: the pod's network namespace is scanned on a platform thread that joined it
 * ({@link io.katacontainers.runtime.network.NetnsThread}), each veth gets a tap wired to it by Kata's tcfilter
 * model ({@link io.katacontainers.runtime.network.PodNetwork}), and what was scanned becomes the agent's
 * UpdateInterface / UpdateRoutes / AddARPNeighbors requests.
 */
package io.katacontainers.runtime.network;
