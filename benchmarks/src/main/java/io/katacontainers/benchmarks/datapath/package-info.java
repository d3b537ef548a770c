/** Data path throughput: virtio-blk, virtio-fs and the vsock relay, each with its peer in the same run. */
package io.katacontainers.benchmarks.datapath;
