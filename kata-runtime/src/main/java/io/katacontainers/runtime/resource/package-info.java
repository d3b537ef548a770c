/**
 * The resource layer: what a sandbox attaches on the host for its VM ({@link Resource}: the shared filesystem, the
 * containers' root filesystem mounts), each with its teardown, recorded in the sandbox's {@link ResourceLedger}
 * before it is set up. A sandbox tears its resources down through its ledger; the cleanup after a crash reads the
 * ledger back and walks it the same way.
 */
package io.katacontainers.runtime.resource;
