/** ttrpc round trips: one unary call to a Java server in the same JVM or to containerd's Go ttrpc server. */
package io.katacontainers.benchmarks.ttrpc;
