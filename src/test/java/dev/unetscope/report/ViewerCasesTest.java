package dev.unetscope.report;

import dev.unetscope.experiment.CsvTable;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The viewer's cases: ranked by the best run's final checkpoint, best / median / worst per query set, the same every time. */
class ViewerCasesTest {
    static CsvTable table() {
        CsvTable t = new CsvTable(List.of("run", "step", "query", "case", "iou"));
        // run a: final step 10, mean test IoU 0.50; run b: final step 20, mean test IoU 0.56 (its step 10 rows must not count)
        for (String c : List.of("c1", "c2", "c3", "c4", "c5")) t.add(List.of("a", 10, "test", c, 0.5));
        double[] b = {0.9, 0.3, 0.7, 0.5, 0.4};
        for (int i = 0; i < 5; i++) t.add(List.of("b", 20, "test", "c" + (i + 1), b[i]));
        for (int i = 0; i < 5; i++) t.add(List.of("b", 10, "test", "c" + (i + 1), i == 1 ? 0.99 : 0.1));
        // noisy under b:20: c2 and c4 tie (ranked by name), c5 NaN (ranked last)
        double[] n = {0.8, 0.6, 0.2, 0.6, Double.NaN};
        for (int i = 0; i < 5; i++) t.add(List.of("b", 20, "noisy", "c" + (i + 1), Double.isNaN(n[i]) ? "NaN" : n[i]));
        return t;
    }

    @Test
    void bestRunsFinalCheckpointRanksEachSetsCases() {
        ViewerCases.Chosen c = ViewerCases.choose(table(), 3);
        assertThat(c.run()).isEqualTo("b");
        assertThat(c.step()).isEqualTo(20);
        assertThat(c.cases()).extracting(x -> x.query() + "/" + x.caseId() + "/" + x.rank()).containsExactly(
                // test by IoU: c1 0.9, c3 0.7, c4 0.5, c5 0.4, c2 0.3 -> ranks 0, 2, 4
                "test/c1/best", "test/c4/median", "test/c2/worst",
                // noisy: c1 0.8, c2 0.6, c4 0.6, c3 0.2, c5 NaN -> ranks 0, 2, 4
                "noisy/c1/best", "noisy/c4/median", "noisy/c5/worst");
        assertThat(c.cases().get(1).iou()).isEqualTo(0.5);
    }

    @Test
    void oneCasePerSetIsTheBestAndMoreCasesThanASetHasTakesEachOnce() {
        assertThat(ViewerCases.choose(table(), 1).cases()).extracting(ViewerCases.Choice::caseId).containsExactly("c1", "c1");
        List<ViewerCases.Choice> all = ViewerCases.choose(table(), 9).cases();
        assertThat(all).filteredOn(x -> x.query().equals("test")).extracting(ViewerCases.Choice::caseId).containsExactly("c1", "c3", "c4", "c5", "c2");
        assertThat(all.get(1).rank()).isEqualTo("rank 2 of 5");
        assertThat(ViewerCases.choose(table(), 0).cases()).isEmpty();
    }
}
