package dev.unetscope.cli;

import dev.unetscope.experiment.ExperimentLock;
import dev.unetscope.io.HaltPoint;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One writer per experiment, with real processes: a second writer is refused in one line naming the first, or waits. */
class ExperimentLockTest {
    @TempDir
    Path tmp;

    /** Runs the CLI in this process and returns its exit code and what it printed on stderr. */
    static Object[] execute(String... args) {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new Object[] {rc, err.toString()};
    }

    @Test
    void aSecondWriterIsRefusedOrWaitsAndAKilledHoldersLockIsTakenOver() throws Exception {
        Path e = tmp.resolve("e");
        TinyExperiment.create(e, 8);
        TinyExperiment.trainTiny(e, "dice", 4, 2);
        assertThat(Main.execute("evaluate", "--experiment", e.toString())).isZero();
        String[] analyze = {"analyze", "--experiment", e.toString(), "--samples-per-case", "40", "--mixture-k", "1", "--resamples", "50"};

        // A: an analysis that stops for good just before its first table is committed, holding the lock
        ChildCli a = ChildCli.start(tmp.resolve("a.log"), List.of("-D" + HaltPoint.PAUSE_PROPERTY + "=rename:layers.csv"), analyze);
        assertThat(a.awaitOutput(s -> s.contains("paused at"), 300)).as(a.output()).isTrue();
        ExperimentLock.Holder holder = ExperimentLock.recorded(e);
        assertThat(holder.pid()).isEqualTo(Long.toString(a.process.pid()));
        assertThat(holder.command()).startsWith("unetscope analyze --experiment " + e);

        // a second analyze, a train and an evaluate are refused, in one line naming A, exit 2
        for (String[] second : List.of(analyze, new String[] {"train", "--experiment", e.toString(), "--objectives", "dice", "--steps", "4", "--checkpoints", "2",
                "--channels", "8,16,32", "--res-units", "1"}, new String[] {"evaluate", "--experiment", e.toString()})) {
            Object[] r = execute(second);
            assertThat(r[0]).as(second[0]).isEqualTo(2);
            String line = ((String) r[1]).strip();
            assertThat(line).doesNotContain("\n").contains(e + ": is being written by pid " + a.process.pid())
                    .contains("'unetscope analyze --experiment " + e).contains("since ").contains("--wait");
        }
        // readers need no lock
        assertThat(Main.execute("inspect", e.resolve("data/phantoms/imagesTr").toFile().listFiles()[0].toString())).isZero();

        // C waits behind A (--wait); A is killed; C takes the stale lock over and finishes
        ChildCli c = ChildCli.start(tmp.resolve("c.log"), List.of(), "evaluate", "--experiment", e.toString(), "--wait");
        assertThat(c.awaitOutput(s -> s.contains("waiting for"), 300)).as(c.output()).isTrue();
        assertThat(c.output()).contains("being written by pid " + a.process.pid());
        Thread.sleep(500);
        assertThat(c.process.isAlive()).as("C waits while A holds the experiment").isTrue();
        a.process.destroyForcibly(); // SIGKILL: the OS releases A's lock, its name stays in the file
        a.process.waitFor(30, TimeUnit.SECONDS);
        assertThat(c.waitFor(300)).as(c.output()).isZero();
        assertThat(c.output()).contains("took over " + e + " from pid " + a.process.pid());

        // A's half-made temporary table is gone, the lock file is blank again, and the analysis completes
        try (var files = Files.list(e.resolve("results"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList()).isEmpty();
        }
        assertThat(Files.readString(e.resolve(ExperimentLock.FILE))).isEmpty();
        assertThat(Main.execute(analyze)).isZero();
        assertThat(Files.readString(e.resolve(ExperimentLock.FILE))).isEmpty();
    }

    @Test
    void aCommandRefusedBeforeItStartsLeavesNoFolder() {
        Path out = tmp.resolve("new");
        // the demo refuses a query folder that does not exist, before anything is written: no lock file, no folder
        assertThat(Main.execute("demo", "--out", out.toString(), "--query", "x=" + tmp.resolve("missing"))).isEqualTo(2);
        assertThat(out).doesNotExist();
        assertThat(Main.execute("train", "--experiment", out.toString())).isEqualTo(2);
        assertThat(out).doesNotExist();
    }
}
