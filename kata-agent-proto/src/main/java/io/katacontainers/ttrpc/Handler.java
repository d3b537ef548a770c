package io.katacontainers.ttrpc;

/**
 * Serves one method on raw payload bytes. Throw {@link StatusException} to answer with a status; other exceptions
 * map to a code the way ttrpc maps Go errors (missing file → NOT_FOUND, ..., otherwise UNKNOWN).
 */
@FunctionalInterface
public interface Handler {

  byte[] handle(byte[] payload, RequestContext context) throws Exception;
}
