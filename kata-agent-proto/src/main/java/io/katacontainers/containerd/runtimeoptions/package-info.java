/**
 * The runtime options containerd hands a shim ({@code runtimeoptions.v1.Options}: {@code ConfigPath},
 * {@code TypeUrl}), as protoc generates them; the shim reads the configuration path from it.
 */
package io.katacontainers.containerd.runtimeoptions;
