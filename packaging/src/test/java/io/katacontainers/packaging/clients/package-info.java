/**
 * End-to-end tests with the real clients that drive kata-runtime as an OCI runtime binary in runc's place: a private
 * Docker daemon (containerd's runc shim) and Podman (conmon), each with runc as the control in the same test.
 */
package io.katacontainers.packaging.clients;
