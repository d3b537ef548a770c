/**
 * Kata's shared network types ({@code types.proto}: interfaces, routes, ARP neighbours, IP families) as protoc
 * generates them, used by the agent API's network calls.
 */
package io.katacontainers.agent.proto.types;
