package io.katacontainers.runtime.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Short reasons for I/O failures: NIO's messages are often just the path, which the caller already prints. */
final class IoMessages {

    private IoMessages() {
    }

    static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException ignored -> "no such file or directory";
            case AccessDeniedException ignored -> "permission denied";
            case NotDirectoryException ignored -> "not a directory";
            case FileSystemException fse when fse.getReason() != null -> fse.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
