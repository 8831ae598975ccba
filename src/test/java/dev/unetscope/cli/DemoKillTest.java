package dev.unetscope.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static dev.unetscope.cli.ChildCli.assertSame;
import static dev.unetscope.cli.ChildCli.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as a whole survives SIGKILL: killed in its data stage (a dataset half made) and in the
 * analysis, and run again each time, it ends with the data, checkpoints and results of an
 * uninterrupted demo, with nothing half-made left behind (the half-made dataset folder is removed).
 */
class DemoKillTest {
    @TempDir
    Path tmp;

    static String[] demo(Path out) {
        return new String[] {"demo", "--out", out.toString(), "--cases", "5", "--steps", "2", "--checkpoints", "1", "--objectives", "dice",
                "--samples-per-case", "20"};
    }

    /** What must come out the same: the data, the results, the checkpoints' parameters (manifests record wall-clock times). */
    static Map<String, byte[]> outcome(Path e) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        for (String d : new String[] {"data", "results"}) snapshot(e.resolve(d)).forEach((k, v) -> m.put(d + "/" + k, v));
        snapshot(e.resolve("checkpoints")).forEach((k, v) -> {
            if (!k.endsWith("manifest.json")) m.put("checkpoints/" + k, v);
        });
        return m;
    }

    @Test
    void aDemoKilledInEveryStageEndsAsAnUninterruptedOne() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        assertThat(Main.execute(demo(a))).isZero();

        // the stages' own kill points are in KillSafetyTest and TrainerTest; here the demo's data stage and the composition
        ChildCli.haltAt(tmp.resolve("demo-1.log"), "rename:dataset.json#2", demo(b));   // the first shifted query set half made
        ChildCli.haltAt(tmp.resolve("demo-2.log"), "rename:case_scores.csv#1", demo(b)); // in the analysis, after training and evaluation
        assertThat(Main.execute(demo(b))).isZero();

        assertSame(outcome(b), outcome(a), "the demo after two kills");
        assertThat(Files.exists(b.resolve("report/index.html"))).isTrue();
    }
}
