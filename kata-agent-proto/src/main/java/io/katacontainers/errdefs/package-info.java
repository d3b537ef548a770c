/**
 * Typed errors as containerd's errdefs: {@link io.katacontainers.errdefs.ErrorKind} is the closed set of kinds and
 * their one mapping to ttrpc status codes, both ways; {@link io.katacontainers.errdefs.ErrdefsException} reports a
 * kind where a failure happens, {@link io.katacontainers.errdefs.Classified} lets any exception carry one. The ttrpc
 * server answers a classified failure with its kind's code, so a NOT_FOUND in the guest is a NOT_FOUND for
 * containerd.
 */
package io.katacontainers.errdefs;
