package io.katacontainers.ttrpc;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A duplex byte stream that carries one ttrpc connection: a unix socket, a vsock or hybrid-vsock connection, a
 * virtio-serial port. One thread reads while others write, so the two directions must not share a lock.
 * {@link #close()} must make a blocked {@code read} return or throw, so that connections can be torn down.
 */
public interface Transport extends Closeable {

  InputStream input();

  OutputStream output();

  /** A transport over two streams; {@code closer} releases the underlying resource. */
  static Transport of(InputStream input, OutputStream output, Closeable closer) {
    return new StreamTransport(input, output, closer);
  }

  /**
   * A transport over a blocking channel that allows a read and a write at the same time, such as a
   * {@link SocketChannel} (unix or inet) or a vsock channel.
   */
  static Transport of(ByteChannel channel) {
    return new StreamTransport(Channels.newInputStream(channel), Channels.newOutputStream(channel), channel);
  }

  /** Connects to a unix domain socket. */
  static Transport connect(Path socket) throws IOException {
    return of(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
  }

  /**
   * Opens a character device, such as the guest side of a virtio-serial port ({@code /dev/vport0p1}), read-write
   * through a single file descriptor: virtio-console lets only one open file use a port at a time, and a
   * {@code FileChannel} would serialise reads and writes behind one position lock. Closing may not interrupt a
   * read blocked in the kernel; such transports usually live as long as the process.
   */
  static Transport openCharDevice(Path device) throws IOException {
    var file = new RandomAccessFile(device.toFile(), "rw");
    try {
      var fd = file.getFD();
      return new StreamTransport(new FileInputStream(fd), new FileOutputStream(fd), file);
    } catch (IOException e) {
      try {
        file.close();
      } catch (IOException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }
}
