package io.katacontainers.runtime.persist;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A cross-process lock on one sandbox ({@code /run/vc/sbs/<id>/lock}), held around state transitions (kill,
 * delete) so that concurrent commands never interleave. The lock lives in the sandbox directory: once a delete
 * removed that directory, the lock cannot be taken any more, which callers read as "already gone".
 */
public final class SandboxLock implements AutoCloseable {
    public static final String FILE = "lock";
    private final FileChannel channel;
    private final FileLock lock;

    private SandboxLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until the lock is ours; empty when the sandbox directory does not exist (any more). */
    public static Optional<SandboxLock> acquire(Path sandboxDir) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(sandboxDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            FileLock lock = channel.lock();
            // A delete that held the lock before us may have removed the directory meanwhile.
            if (!java.nio.file.Files.isDirectory(sandboxDir)) {
                lock.release();
                channel.close();
                return Optional.empty();
            }
            return Optional.of(new SandboxLock(channel, lock));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
