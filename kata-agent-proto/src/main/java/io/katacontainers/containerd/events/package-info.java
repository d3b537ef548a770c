/**
 * containerd's task events ({@code /tasks/create}, {@code start}, {@code exit}, {@code oom}, ...) and the
 * {@code containerd.services.events.ttrpc.v1.Events} service a shim publishes them to, as protoc generates them.
 */
package io.katacontainers.containerd.events;
