package dev.unetscope.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cases the report draws: the reference run, and the worst, median and best case of each query set under it. */
class CaseChoiceTest {

    static Map<String, String> row(String run, int step, String query, String id, double iou) {
        return Map.of("run", run, "step", Integer.toString(step), "query", query, "case", id, "iou", Double.toString(iou));
    }

    @Test
    void theRunWithTheBestFinalMeanIoUAndItsWorstMedianAndBestCasesPerSet() {
        List<Map<String, String>> rows = new ArrayList<>();
        // run a: final step 20, mean 0.5; run b: final step 30, mean 0.6 (its step 10 was better, but only the final counts)
        double[] a = {0.1, 0.9, 0.5, 0.5, 0.5};
        double[] b = {0.8, 0.2, 0.6, 0.7, 0.7};
        for (int i = 0; i < 5; i++) {
            rows.add(row("a", 20, "test", "c" + i, a[i]));
            rows.add(row("b", 10, "test", "c" + i, 0.99));
            rows.add(row("b", 30, "test", "c" + i, b[i]));
            rows.add(row("b", 30, "noisy", "c" + i, b[i] - 0.05 * i));
        }
        CaseChoice c = CaseChoice.choose(rows, 3);
        assertThat(c.run()).isEqualTo("b");
        assertThat(c.step()).isEqualTo(30);
        // test under b@30 ascending: c1 0.2, c2 0.6, c3 0.7, c4 0.7, c0 0.8 -> ranks 0, 2, 4; the tie c3/c4 is ordered by id
        assertThat(c.of("test")).extracting(CaseChoice.Case::id).containsExactly("c1", "c3", "c0");
        assertThat(c.of("test")).extracting(CaseChoice.Case::role).containsExactly("worst", "median", "best");
        assertThat(c.of("test").get(0).iou()).isEqualTo(0.2);
        // noisy: 0.8, 0.15, 0.5, 0.55, 0.5 (b: mean 0.55 over both sets against a: 0.5) -> c1 worst, c0 best
        assertThat(c.of("noisy")).extracting(CaseChoice.Case::id).first().isEqualTo("c1");
        assertThat(c.of("noisy")).extracting(CaseChoice.Case::id).last().isEqualTo("c0");
        assertThat(c.querySets()).containsExactly("test", "noisy");
        // the same tables give the same choice
        assertThat(CaseChoice.choose(new ArrayList<>(rows), 3)).isEqualTo(c);
    }

    @Test
    void aDivergedFinalCheckpointIsSkippedAndSmallSetsGiveEachCaseOnce() {
        List<Map<String, String>> rows = new ArrayList<>();
        rows.add(row("a", 10, "test", "x", 0.4));
        rows.add(row("a", 10, "test", "y", 0.6));
        rows.add(row("a", 20, "test", "x", Double.NaN));
        rows.add(row("a", 20, "test", "y", Double.NaN));
        CaseChoice c = CaseChoice.choose(rows, 5);
        assertThat(c.step()).isEqualTo(10);
        assertThat(c.cases()).extracting(CaseChoice.Case::id).containsExactly("x", "y");
        assertThat(CaseChoice.choose(rows, 1).cases()).extracting(CaseChoice.Case::role).containsExactly("median");
        assertThat(CaseChoice.choose(rows, 0).cases()).isEmpty();
        assertThat(CaseChoice.choose(List.of(), 3).run()).isEmpty();
    }
}
