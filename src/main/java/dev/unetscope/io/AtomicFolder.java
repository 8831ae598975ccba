package dev.unetscope.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder written whole, as {@link AtomicFile} writes a file: built under a hidden sibling
 * {@code .NAME.partial-PID-N}, then renamed into place. An older folder of the same name is first
 * moved aside to {@code .NAME.old-PID-N} and removed after the rename (a folder cannot be renamed over
 * a non-empty one), so for a moment the target is absent. A writer killed at any point is repaired by
 * the next {@link #recover} of the same target: a partial folder of a dead process is removed; an old
 * folder of a dead process is moved back when the target is missing (the kill fell between the two
 * renames) and removed otherwise. Folders of a live process (another writer at work) are left alone.
 */
public final class AtomicFolder {
    private static final Pattern LEFTOVER = Pattern.compile("\\.(.+)\\.(partial|old)-(\\d+)-\\d+");

    private AtomicFolder() {}

    /**
     * Repairs what a killed writer of {@code target} left, then creates the hidden folder to build
     * the new one in (the target's parent is created if needed).
     */
    public static Path staging(Path target) {
        recover(target);
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Path p = sibling(target, "partial");
            Files.createDirectory(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder beside " + target + ": " + e.getMessage(), e);
        }
    }

    /** Moves the finished {@code staging} folder to {@code target}, replacing a folder there. */
    public static void replace(Path staging, Path target) {
        try {
            Path old = null;
            if (Files.exists(target)) {
                old = sibling(target, "old");
                HaltPoint.reached("aside:" + target.getFileName());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            HaltPoint.reached("rename:" + target.getFileName());
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            if (old != null) delete(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + staging + " to " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Repairs what writers of {@code target} that are no longer running left beside it. Returns the
     * leftovers it found (moved back or removed), for a message.
     */
    public static List<Path> recover(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        String name = abs.getFileName().toString();
        List<Path> found = new ArrayList<>();
        if (parent == null || !Files.isDirectory(parent)) return found;
        List<Path> olds = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, "." + name + ".*")) {
            for (Path p : ds) {
                Matcher m = LEFTOVER.matcher(p.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(name)) continue;
                long pid = Long.parseLong(m.group(3));
                if (alive(pid)) continue;
                found.add(p);
                if (m.group(2).equals("old")) olds.add(p);
                else delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + parent + ": " + e.getMessage(), e);
        }
        olds.sort(Comparator.comparing(Path::toString));
        for (Path old : olds) {
            try {
                if (!Files.exists(abs)) Files.move(old, abs, StandardCopyOption.ATOMIC_MOVE);
                else delete(old);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot restore " + abs + " from " + old + ": " + e.getMessage(), e);
            }
        }
        return found;
    }

    /** Removes a folder tree; best effort (a leftover hidden folder changes no result). */
    public static void delete(Path p) {
        if (p == null || !Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            // best effort
        }
    }

    private static Path sibling(Path target, String kind) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + "." + kind + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    }

    private static boolean alive(long pid) {
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
