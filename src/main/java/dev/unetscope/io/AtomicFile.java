package dev.unetscope.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file whole or not at all: the bytes go to a temporary file beside the target, which is
 * then renamed over it, so a crash never leaves half a file and an old file survives a failed write.
 */
public final class AtomicFile {
    private AtomicFile() {}

    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // the writer's pid in the name: a temporary file whose process is gone is a leftover of a kill (removeLeftovers)
            tmp = Files.createTempFile(dir, "." + target.getFileName() + "." + PID + ".", TEMP_SUFFIX);
            try {
                // temp files start private (0600); results are ordinary files others may read
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            String name = target.getFileName().toString();
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
                HaltPoint.reached("write:" + name); // the tests' kill point: part of the file in the temporary one
            }
            HaltPoint.reached("rename:" + name);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
            }
        }
    }

    private static final String TEMP_SUFFIX = ".tmp";
    private static final long PID = ProcessHandle.current().pid();
    private static final java.util.regex.Pattern TEMP = java.util.regex.Pattern.compile("^\\..+\\.(\\d+)\\.\\d+\\.tmp$");

    /**
     * The pid of the process that was writing {@code file} when it is one of our temporary files
     * ({@code .NAME.PID.RANDOM.tmp}), else -1.
     */
    public static long writerOf(Path file) {
        var m = TEMP.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Deletes the temporary files in {@code dir} (not below it) that a killed writer left: those whose
     * process no longer runs on this machine, or all of them when {@code all} (the caller holds the
     * folder's only writer lock). Returns how many were removed.
     */
    public static int removeLeftovers(Path dir, boolean all) {
        if (!Files.isDirectory(dir)) return 0;
        int removed = 0;
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                long pid = writerOf(f);
                if (pid < 0 || !Files.isRegularFile(f)) continue;
                if (!all && (pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))) continue;
                if (pid == PID) continue; // never our own file being written
                if (Files.deleteIfExists(f)) removed++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return removed;
    }

    public static void writeString(Path target, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }
}
