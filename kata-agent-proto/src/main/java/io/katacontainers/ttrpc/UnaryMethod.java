package io.katacontainers.ttrpc;

import com.google.protobuf.MessageLite;

/**
 * A handler on parsed protobuf messages; see {@link ServiceDefinition.Builder#method(String,
 * com.google.protobuf.Parser, UnaryMethod)}.
 */
@FunctionalInterface
public interface UnaryMethod<Q, R extends MessageLite> {

  R invoke(Q request, RequestContext context) throws Exception;
}
