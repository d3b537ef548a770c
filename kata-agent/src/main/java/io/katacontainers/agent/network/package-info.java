/**
 * The guest's network as the runtime describes it (Kata's UpdateInterface, UpdateRoutes, AddARPNeighbors,
 * ListInterfaces, ListRoutes), set through rtnetlink ({@link io.katacontainers.ffm.netlink}) in the guest's network
 * namespace, the one every container of the sandbox shares.
 */
package io.katacontainers.agent.network;
