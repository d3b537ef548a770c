/**
 * The OCI runtime spec between its two forms: {@link io.katacontainers.oci.OciSpecJson} converts
 * {@code config.json} to Kata's protobuf {@code Spec} and back, and {@link io.katacontainers.oci.OciSpecException}
 * names the field of a spec that does not convert.
 */
package io.katacontainers.oci;
