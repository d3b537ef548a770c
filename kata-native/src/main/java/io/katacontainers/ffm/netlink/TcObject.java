package io.katacontainers.ffm.netlink;

/** A traffic-control qdisc or filter: its interface, handle, parent and kind ({@code ingress}, {@code u32}...). */
public record TcObject(int index, int handle, int parent, String kind) {
}
