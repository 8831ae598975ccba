package dev.unetscope.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Folders written whole: leftovers of dead writers repaired, those of live writers left alone. */
class AtomicFolderTest {
    @TempDir
    Path tmp;

    @Test
    void replaceSwapsTheFolderWhole() throws Exception {
        Path target = tmp.resolve("out");
        Path a = AtomicFolder.staging(target);
        Files.writeString(a.resolve("x.txt"), "first");
        AtomicFolder.replace(a, target);
        Path b = AtomicFolder.staging(target);
        Files.writeString(b.resolve("y.txt"), "second");
        assertThat(target.resolve("x.txt")).hasContent("first");
        AtomicFolder.replace(b, target);
        assertThat(target.resolve("y.txt")).hasContent("second");
        assertThat(target.resolve("x.txt")).doesNotExist();
        assertThat(names()).containsExactly("out");
    }

    @Test
    void aDeadWritersOldFolderIsMovedBackWhenTheTargetIsMissingAndItsPartialFolderRemoved() throws Exception {
        long dead = deadPid();
        Path old = Files.createDirectory(tmp.resolve(".out.old-" + dead + "-5"));
        Files.writeString(old.resolve("x.txt"), "kept");
        Files.createDirectory(tmp.resolve(".out.partial-" + dead + "-6"));
        Files.createDirectory(tmp.resolve(".other.partial-" + dead + "-7")); // another target's: not ours to touch
        List<Path> found = AtomicFolder.recover(tmp.resolve("out"));
        assertThat(found).hasSize(2);
        assertThat(tmp.resolve("out/x.txt")).hasContent("kept");
        assertThat(names()).containsExactlyInAnyOrder("out", ".other.partial-" + dead + "-7");
    }

    @Test
    void aDeadWritersOldFolderIsRemovedWhenTheTargetExists() throws Exception {
        long dead = deadPid();
        Files.createDirectory(tmp.resolve("out"));
        Files.writeString(tmp.resolve("out/new.txt"), "new");
        Files.createDirectory(tmp.resolve(".out.old-" + dead + "-5"));
        AtomicFolder.recover(tmp.resolve("out"));
        assertThat(names()).containsExactly("out");
        assertThat(tmp.resolve("out/new.txt")).hasContent("new");
    }

    @Test
    void aLiveWritersFoldersAreLeftAlone() throws Exception {
        Process live = new ProcessBuilder("sleep", "30").start();
        try {
            Files.createDirectory(tmp.resolve(".out.partial-" + live.pid() + "-1"));
            Files.createDirectory(tmp.resolve(".out.old-" + live.pid() + "-2"));
            assertThat(AtomicFolder.recover(tmp.resolve("out"))).isEmpty();
            assertThat(names()).hasSize(2).doesNotContain("out");
        } finally {
            live.destroyForcibly().waitFor();
        }
    }

    private List<String> names() throws Exception {
        try (var s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
