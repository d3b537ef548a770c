/**
 * The OCI bundle as the runtime reads it: {@code Bundle} loads and checks {@code config.json} (errors name the
 * field) and {@code Signals} maps signal names and numbers as runc accepts them.
 */
package io.katacontainers.runtime.oci;
