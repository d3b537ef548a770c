package io.katacontainers.agent.service;

import com.google.protobuf.MessageLite;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.Status;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.UnaryMethod;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.NoSuchElementException;

/**
 * Turns the domain's exceptions into ttrpc statuses with the codes Kata's agent uses: INVALID_ARGUMENT for an
 * unknown container or a bad request, NOT_FOUND for an unknown process, INTERNAL for everything that failed while
 * doing the work.
 */
final class Failures {
    private static final System.Logger LOG = System.getLogger(Failures.class.getName());

    private Failures() {
    }

    /** The body of an RPC: the request in, the response out. */
    @FunctionalInterface
    interface Rpc<Q, R extends MessageLite> {
        R call(Q request) throws Exception;
    }

    /** Wraps an RPC body so that every exception leaves it as a {@link StatusException}. */
    static <Q, R extends MessageLite> UnaryMethod<Q, R> translated(String method, Rpc<Q, R> rpc) {
        return (request, context) -> {
            try {
                return rpc.call(request);
            } catch (Exception e) {
                throw toStatus(method, e);
            }
        };
    }

    static StatusException toStatus(String method, Exception failure) {
        if (failure instanceof StatusException status) {
            return status;
        }
        Code code = switch (failure) {
            case NoSuchElementException e -> Code.NOT_FOUND;
            case IllegalArgumentException e -> Code.INVALID_ARGUMENT;
            case IllegalStateException e -> Code.FAILED_PRECONDITION;
            case UnsupportedOperationException e -> Code.UNIMPLEMENTED;
            case InterruptedException e -> Code.CANCELLED;
            default -> Code.INTERNAL;
        };
        if (failure instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (code == Code.INTERNAL && !(failure instanceof IOException)) {
            // Not an I/O or runtime failure: most likely a bug, keep the stack trace.
            LOG.log(Level.WARNING, method + " failed", failure);
        } else if (code == Code.INTERNAL) {
            LOG.log(Level.WARNING, "{0} failed: {1}", method, failure.getMessage());
        } else {
            LOG.log(Level.INFO, "{0}: {1}: {2}", method, code, failure.getMessage());
        }
        String message = failure.getMessage() != null ? failure.getMessage() : failure.toString();
        return new StatusException(new Status(code, message), failure);
    }
}
