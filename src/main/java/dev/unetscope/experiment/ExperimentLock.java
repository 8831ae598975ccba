package dev.unetscope.experiment;

import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One writer per experiment: every command that writes into an experiment holds this exclusive lock
 * ({@link FileChannel#tryLock} on {@value #FILE} in the experiment folder) while it runs. The file
 * names the holder (pid, host, command, since), so a second writer says in one line who has the
 * experiment and stops (exit 2), or queues behind it ({@code --wait}). The operating system releases
 * the lock when its process dies, however it dies; the file's text then still names the dead holder,
 * which is how the next writer notices a stale lock, says so, takes it over and removes what the
 * killed writer left (temporary files, half-written dataset folders). Readers ({@code report},
 * {@code inspect}, {@code predict}) need no lock: every file is replaced whole by a rename.
 * <p>
 * Within one process the lock is re-entrant (the demo runs stages that each take it). A file lock
 * needs a file system that supports it (local disks do; some network file systems do not).
 */
public final class ExperimentLock implements AutoCloseable {
    public static final String FILE = ".unetscope.lock";

    /** Who holds (or held) the lock, as its file records it; fields are empty when the file is blank or damaged. */
    public record Holder(String pid, String host, String command, String since) {
        static Holder parse(String text) {
            Map<String, String> m = new HashMap<>();
            for (String line : text.split("\n")) {
                int i = line.indexOf(": ");
                if (i > 0) m.put(line.substring(0, i).trim(), line.substring(i + 2).trim());
            }
            return new Holder(m.getOrDefault("pid", ""), m.getOrDefault("host", ""), m.getOrDefault("command", ""), m.getOrDefault("since", ""));
        }

        boolean known() {
            return !pid.isEmpty();
        }

        String text() {
            return "pid: " + pid + "\nhost: " + host + "\ncommand: " + command + "\nsince: " + since + "\n";
        }

        /** "pid 123 on host, 'unetscope analyze ...', since 2026-...Z". */
        public String describe() {
            if (!known()) return "another process (it has not written its name yet)";
            return "pid " + pid + (host.isEmpty() ? "" : " on " + host) + ", '" + command + "', since " + since;
        }
    }

    /** Locks held by this process, by lock file, with how many holders share each. */
    private static final Map<Path, ExperimentLock> HELD = new HashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder stale;
    private int holders = 1;

    private ExperimentLock(Path file, FileChannel channel, FileLock lock, Holder stale) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.stale = stale;
    }

    /**
     * Takes the experiment's lock for {@code command}.
     *
     * @param wait  queue behind the holder instead of refusing
     * @param notes one-line messages for the person: that it waits, that it took over a stale lock
     * @throws BadInputException (exit 2) when another process holds the experiment and {@code wait} is false
     */
    public static ExperimentLock acquire(Path root, String command, boolean wait, Consumer<String> notes) {
        Path file = root.toAbsolutePath().normalize().resolve(FILE);
        synchronized (HELD) {
            ExperimentLock mine = HELD.get(file);
            if (mine != null) {
                mine.holders++;
                return mine;
            }
            try {
                Files.createDirectories(file.getParent());
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // another thread of this process holds it outside this registry: treat as another writer
                }
                if (lock == null) {
                    Holder h = read(ch);
                    if (!wait) {
                        ch.close();
                        throw new BadInputException(root, "is being written by " + h.describe(),
                                "wait for it to finish, or add --wait to start when it has");
                    }
                    notes.accept("waiting for " + root + ", which is being written by " + h.describe());
                    lock = ch.lock();
                }
                Holder before = read(ch);
                Holder me = new Holder(Long.toString(ProcessHandle.current().pid()), host(), command, Instant.now().toString());
                write(ch, me.text());
                ExperimentLock l = new ExperimentLock(file, ch, lock, before.known() ? before : null);
                HELD.put(file, l);
                if (l.stale != null) {
                    notes.accept("took over " + root + " from " + before.describe() + ", which ended without releasing it (killed?)");
                }
                removeLeftovers(root);
                return l;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** The holder whose stale lock this one took over (a killed writer), or null. */
    public Holder tookOverFrom() {
        return stale;
    }

    /** Who holds the experiment's lock now (or last held it, if it was not released), from the lock file; null when there is none. */
    public static Holder recorded(Path root) {
        Path file = root.resolve(FILE);
        try {
            return Files.isRegularFile(file) ? Holder.parse(Files.readString(file, StandardCharsets.UTF_8)) : null;
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        synchronized (HELD) {
            if (--holders > 0) return;
            HELD.remove(file);
            try {
                write(channel, ""); // a blank file: released cleanly (a killed holder leaves its name)
                lock.release();
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * What a killed writer leaves, removed by the next holder of the lock: our temporary files in the
     * experiment's own folders, and hidden half-written dataset folders under data/.
     */
    private static void removeLeftovers(Path root) throws IOException {
        // the root's experiment.json may be rewritten at this moment by a running shard (which holds only
        // its own folder's lock): only temporary files of writers that are gone are removed there
        AtomicFile.removeLeftovers(root, false);
        AtomicFile.removeLeftovers(root.resolve("results"), true);
        for (String sub : new String[] {"checkpoints", "data", "data/query"}) {
            Path dir = root.resolve(sub);
            if (!Files.isDirectory(dir)) continue;
            try (var children = Files.list(dir)) {
                for (Path c : children.toList()) {
                    String n = c.getFileName().toString();
                    if (!Files.isDirectory(c)) continue;
                    if (sub.equals("checkpoints")) AtomicFile.removeLeftovers(c, true);
                    else if (n.startsWith(".") && n.contains(".partial-")) deleteTree(c); // a dataset written by a killed writer
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static Holder read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
        ch.read(b, 0);
        return Holder.parse(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
    }

    private static void write(FileChannel ch, String text) throws IOException {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(false);
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) return h;
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "";
        }
    }
}
