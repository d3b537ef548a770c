/**
 * Boot latency: the built-in VMM's tiny guests against bare KVM bindings (on a host with /dev/kvm), and QEMU TCG
 * booting our guest kernel and initrd to /init against the same QEMU booting a few-byte PVH payload.
 */
package io.katacontainers.benchmarks.boot;
