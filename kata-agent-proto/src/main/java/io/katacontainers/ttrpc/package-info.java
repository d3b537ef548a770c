/**
 * A ttrpc client ({@link io.katacontainers.ttrpc.TtrpcClient}) and server ({@link io.katacontainers.ttrpc.TtrpcServer})
 * wire-compatible with containerd's Go ttrpc, over any {@link io.katacontainers.ttrpc.Transport}.
 *
 * <p>Wire format: every message is a frame with a 10-byte big-endian header (payload length u32, stream id u32,
 * message type u8: 1 request, 2 response, 3 data; flags u8) followed by a protobuf {@code Request} or
 * {@code Response}. Clients number calls with odd, increasing stream ids; payloads are limited to 4 MiB.
 *
 * <p>Error handling, following Go ttrpc where it keeps the byte stream in step:
 * <ul>
 *   <li>a frame over 4 MiB is read and dropped, then answered with RESOURCE_EXHAUSTED on its stream (ttrpc's
 *       wording); the connection lives on. Senders refuse to send such frames;
 *   <li>an even or reused stream id, an undecodable request, or a data frame (no streaming methods exist here) are
 *       answered with INVALID_ARGUMENT, again with ttrpc's wording;
 *   <li>a handler's {@link io.katacontainers.errdefs.Classified} failure is answered with its kind's code (the one
 *       errdefs mapping), so a code survives every hop; other exceptions map as ttrpc's convertCode does;
 *   <li>unknown services or methods get UNIMPLEMENTED; a request timeout ({@code timeout_nano}) the handler
 *       overruns gets DEADLINE_EXCEEDED and the handler is interrupted;
 *   <li>a truncated frame, or a message type no ttrpc version sends (or a response sent to a server), closes that
 *       connection with a logged reason. Go ttrpc skips unknown types "for future compatibility"; here they are
 *       taken as a sign of a desynchronised or foreign stream, which nothing after it could be trusted in.
 * </ul>
 */
package io.katacontainers.ttrpc;
