/**
 * How the runtime starts another copy of itself ({@code SelfCommand}: the detached sandbox holder, the shim
 * daemon): the installed launcher when running from an install, else this JVM with its module path (tests, a
 * development tree).
 */
package io.katacontainers.runtime.launch;
