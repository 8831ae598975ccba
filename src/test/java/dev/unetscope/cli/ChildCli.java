package dev.unetscope.cli;

import dev.unetscope.io.HaltPoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The real {@code unetscope} CLI in a child JVM (the test's classpath and environment), for kill and lock tests. */
final class ChildCli {
    final Process process;
    final Path log;

    private ChildCli(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code unetscope ARGS} with the JVM options {@code jvm} (e.g. -Dunetscope.haltAt=...), output into {@code log}. */
    static ChildCli start(Path log, List<String> jvm, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(jvm);
        cmd.add("dev.unetscope.cli.Main");
        cmd.addAll(List.of(args));
        try {
            return new ChildCli(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs {@code unetscope ARGS} halted at {@code point} ({@link HaltPoint}); asserts that it did halt there. */
    static void haltAt(Path log, String point, String... args) throws Exception {
        ChildCli c = start(log, List.of("-D" + HaltPoint.HALT_PROPERTY + "=" + point), args);
        int rc = c.waitFor(300);
        assertThat(c.output()).as("the child reached " + point).contains("halted at " + point.split("#")[0]);
        assertThat(rc).as(c.output()).isEqualTo(137);
    }

    /** Runs {@code unetscope ARGS} and SIGKILLs it when its output first contains {@code line} (or lets it finish). */
    static void killWhen(Path log, String line, String... args) throws Exception {
        killWhen(log, line, () -> {}, args);
    }

    /** As {@link #killWhen(Path, String, String...)}, running {@code meanwhile} over and over while it waits (a reader beside the writer). */
    static void killWhen(Path log, String line, Runnable meanwhile, String... args) throws Exception {
        ChildCli c = start(log, List.of(), args);
        c.awaitOutput(s -> {
            meanwhile.run();
            return s.contains(line);
        }, 300);
        c.process.destroyForcibly();
        c.process.waitFor(30, TimeUnit.SECONDS);
    }

    int waitFor(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child did not finish in " + seconds + " s: " + output());
        }
        return process.exitValue();
    }

    /** Waits until the output satisfies {@code p} or the process ends; true when it does. */
    boolean awaitOutput(Predicate<String> p, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (p.test(output())) return true;
            if (!process.isAlive()) return p.test(output());
            Thread.sleep(20);
        }
        return false;
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Every file under {@code dir} (hidden ones too) by relative path, with its bytes; the lock file left out. */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        if (!Files.isDirectory(dir)) return m;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (p.getFileName().toString().equals(dev.unetscope.experiment.ExperimentLock.FILE)) continue;
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    /** Asserts that two snapshots hold the same files with the same bytes. */
    static void assertSame(Map<String, byte[]> got, Map<String, byte[]> want, String what) {
        assertThat(got.keySet()).as(what + ": files").containsExactlyElementsOf(want.keySet());
        for (String f : want.keySet()) assertThat(new String(got.get(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(what + ": " + f)
                .isEqualTo(new String(want.get(f), java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
