/**
 * rtnetlink through FFM: a NETLINK_ROUTE socket with request/acknowledge and dumps, the messages' encoding and
 * decoding (links, addresses, IPv4/IPv6 routes, neighbours, the ingress qdisc and the u32 + mirred redirect filter of
 * Kata's tcfilter model) as records (taps: {@link io.katacontainers.ffm.libc.TunTap}). Errors are
 * {@link io.katacontainers.ffm.libc.SyscallException}s carrying the kernel's errno.
 */
package io.katacontainers.ffm.netlink;
