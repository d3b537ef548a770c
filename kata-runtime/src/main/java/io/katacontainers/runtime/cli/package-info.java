/**
 * The {@code kata-runtime} command line (picocli): {@code check}, {@code env}, {@code run}, the runc-like
 * {@code create}/{@code start}/{@code state}/{@code kill}/{@code delete}/{@code list} and {@code exec}, the version
 * and the logging options. Each command parses and reports; the work is the container manager's
 * ({@link io.katacontainers.runtime.core}).
 */
package io.katacontainers.runtime.cli;
