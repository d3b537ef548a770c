package io.katacontainers.errdefs;

/**
 * A failure that knows its {@link ErrorKind}: a ttrpc server answers it with the kind's code. Checked exceptions
 * of a module (the runtime's agent failures) implement it to keep their kind across the next hop.
 */
public interface Classified {
    ErrorKind kind();
}
