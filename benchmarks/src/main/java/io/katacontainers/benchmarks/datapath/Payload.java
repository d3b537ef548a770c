package io.katacontainers.benchmarks.datapath;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;

/**
 * The bytes a data-path benchmark moves, with their SHA-256, so that each operation can check that what arrived is
 * what was sent: a benchmark that stops moving the right bytes fails instead of getting faster.
 *
 * @param bytes  the data (seeded random, the same in every run)
 * @param sha256 its digest
 */
record Payload(byte[] bytes, byte[] sha256) {
    static Payload random(int size) throws NoSuchAlgorithmException {
        byte[] bytes = new byte[size];
        new Random(42).nextBytes(bytes);
        return new Payload(bytes, MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Returns {@code digest} if it is this payload's, else fails naming {@code path}. */
    byte[] check(byte[] digest, String path) {
        if (!Arrays.equals(sha256, digest)) {
            throw new IllegalStateException(path + ": the bytes that arrived differ from the " + bytes.length
                    + " sent");
        }
        return digest;
    }
}
