package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.SetBudget;
import dev.unetscope.data.Splits;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One budget for every prepared set of a stage: held while it fits what is left, the rest read case by case, the same values either way. */
class SetBudgetTest {
    @TempDir
    Path tmp;

    /** Image and mask floats of one tiny case (32 x 32 x 8, one channel). */
    static final long CASE_BYTES = 32L * 32 * 8 * (4 + 4);

    @Test
    void theTrainingSplitTakesTheBudgetAndTheLaterSetsStream() {
        Experiment e = TinyExperiment.create(tmp.resolve("e"), 10);
        Preprocessing prep = ExperimentData.preprocessing(e);
        int train = Splits.read(e).get("train").size();
        // the training split fits, with less than one case to spare: every later set is streamed
        PreparedSets some = new PreparedSets(e, ExperimentData.queries(e), new SetBudget(train * CASE_BYTES + CASE_BYTES / 2));
        PreparedSets all = new PreparedSets(e, ExperimentData.queries(e), new SetBudget(Long.MAX_VALUE));
        assertThat(held(some.split(prep, "train"))).isTrue();
        for (String q : List.of(AnalyzeService.VALIDATION, "test", "noisy")) {
            PreparedSet s = q.equals(AnalyzeService.VALIDATION) ? some.split(prep, q) : some.query(prep, q);
            PreparedSet h = q.equals(AnalyzeService.VALIDATION) ? all.split(prep, q) : all.query(prep, q);
            assertThat(held(s)).as(q).isFalse();
            assertThat(held(h)).as(q).isTrue();
            assertThat(s.ids()).isEqualTo(h.ids());
            for (int c = 0; c < s.size(); c++) {
                assertThat(s.images().get(c)).isEqualTo(h.images().get(c));
                assertThat(s.masks().get(c)).isEqualTo(h.masks().get(c));
            }
        }
        // a budget spent is not given twice: a second split that would have fitted alone streams
        SetBudget b = new SetBudget(3 * CASE_BYTES);
        assertThat(b.claim(2 * CASE_BYTES)).isTrue();
        assertThat(b.claim(2 * CASE_BYTES)).isFalse();
        assertThat(b.claim(CASE_BYTES)).isTrue();
        assertThat(b.claim(1)).isFalse();
    }

    /**
     * The same analysis with every set held (in this JVM, the default budget) and with every set read
     * case by case in a child JVM of a 64 MB heap (budget 0, the serial collector the launcher uses):
     * the tables are byte-identical.
     */
    @Test
    void streamedSetsInA64MBHeapGiveTheSameTables() throws Exception {
        Path held = tmp.resolve("held");
        TinyExperiment.create(held, 10);
        TinyExperiment.trainTiny(held, "dice", 2, 1);
        Path streamed = tmp.resolve("streamed");
        AnalyzeServiceTest.copyTree(held, streamed);
        String[] options = {"--samples-per-case", "200", "--mixture-k", "1,2", "--resamples", "5"};
        List<String> args = new ArrayList<>(List.of("analyze", "--experiment", held.toString()));
        args.addAll(List.of(options));
        assertThat(dev.unetscope.cli.Main.execute(args.toArray(String[]::new))).isZero();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-Dunetscope.setBudgetBytes=0", "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), "dev.unetscope.cli.Main",
                "analyze", "--experiment", streamed.toString()));
        cmd.addAll(List.of(options));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        for (String f : List.of("layers.csv", "case_scores.csv", "validation_scores.csv")) {
            assertThat(Files.readAllBytes(streamed.resolve("results").resolve(f))).as(f).isEqualTo(Files.readAllBytes(held.resolve("results").resolve(f)));
        }
        assertThat(Files.readString(held.resolve("results/case_scores.csv")).lines().count()).as("case rows").isGreaterThan(5);
    }

    private static boolean held(PreparedSet s) {
        return s.images() instanceof ArrayList;
    }
}
