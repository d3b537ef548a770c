package io.katacontainers.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds the Go ttrpc peers (test resources go/src/ttrpcpeer) against Debian's containerd ttrpc source, offline,
 * in GOPATH mode.
 */
final class GoPeers {

  static final String INSTALL_HINT = "apt-get install golang-go golang-github-containerd-ttrpc-dev";
  private static final Path GOCODE = Path.of("/usr/share/gocode");

  /** The built programs. */
  record Binaries(Path server, Path client) {}

  private GoPeers() {}

  static Binaries build(Path outputDir) throws IOException, InterruptedException, URISyntaxException {
    if (!Files.isDirectory(GOCODE.resolve("src/github.com/containerd/ttrpc"))) {
      fail("containerd's Go ttrpc source is missing from " + GOCODE + "; the interop tests need: " + INSTALL_HINT);
    }
    var marker = GoPeers.class.getResource("/go/src/ttrpcpeer/server/main.go");
    if (marker == null) {
      fail("test resource go/src/ttrpcpeer/server/main.go not on the class path");
    }
    Path gopath = Path.of(marker.toURI()).getParent().getParent().getParent().getParent();
    // Outside the GOPATH, under target/: reused across test runs, removed by mvn clean.
    Path cache = gopath.getParent().getParent().resolve("go-build-cache");
    var build = new ProcessBuilder("go", "build", "-o", outputDir + "/", "ttrpcpeer/server", "ttrpcpeer/client")
        .redirectErrorStream(true);
    build.environment().put("GOPATH", gopath + ":" + GOCODE);
    build.environment().put("GO111MODULE", "off");
    build.environment().put("GOCACHE", cache.toString());
    build.environment().put("GOFLAGS", "");
    Process process;
    try {
      process = build.start();
    } catch (IOException e) {
      return fail("cannot run the Go toolchain (" + e.getMessage() + "); the interop tests need: " + INSTALL_HINT);
    }
    try (var output = process.getInputStream()) {
      String log = new String(output.readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        fail("go build took over 5 minutes:\n" + log);
      }
      assertEquals(0, process.exitValue(), () -> "go build of the ttrpc peers failed (is " + INSTALL_HINT
          + " complete?):\n" + log);
    }
    return new Binaries(outputDir.resolve("server"), outputDir.resolve("client"));
  }
}
