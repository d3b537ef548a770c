/**
 * The vhost-user front end: the messages and their wire format, the socket with descriptor passing, and the session
 * that hands guest memory and vrings to a back end such as virtiofsd.
 */
package io.katacontainers.hypervisor.kvm.devices.virtio.vhostuser;
