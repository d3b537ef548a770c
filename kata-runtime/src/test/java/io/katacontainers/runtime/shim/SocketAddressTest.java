package io.katacontainers.runtime.shim;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SocketAddressTest {
    @Test
    void isTheSha256OfTheJoinedAddressNamespaceAndIdUnderRunContainerdS() {
        // printf '%s' /run/containerd/containerd.sock/default/c1 | sha256sum
        assertEquals(Path.of("/run/containerd/s/d25aa4ef11a84e954e74a5bcff06557d0b6ea8d0c00243896f29826694bbd888"),
                SocketAddress.of("/run/containerd/containerd.sock", "default", "c1"));
    }

    @Test
    void cleansThePathAsGoFilepathJoinDoes() {
        // printf '%s' /tmp/x/containerd.sock/k8s.io/pod-1 | sha256sum
        Path expected = Path.of("/run/containerd/s/a689001c32caa7bdc5efd34a0d4c3543658472c27bf8a68f09fc23e28f2c8d52");
        assertEquals(expected, SocketAddress.of("//tmp/x/./containerd.sock/", "k8s.io", "pod-1"));
    }

    @Test
    void uriAndPathAreInverse() {
        Path socket = Path.of("/run/containerd/s/abc");
        assertEquals("unix:///run/containerd/s/abc", SocketAddress.uri(socket));
        assertEquals(socket, SocketAddress.path(SocketAddress.uri(socket)));
        assertEquals(socket, SocketAddress.path("/run/containerd/s/abc"));
    }
}
