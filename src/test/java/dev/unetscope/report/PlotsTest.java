package dev.unetscope.report;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The composed figures: one shared legend (colour once per objective, marker once per query set) and small multiples. */
class PlotsTest {

    @Test
    void theScatterLegendNamesEachObjectiveAndEachQuerySetOnce() {
        List<String> objectives = List.of("dice", "bce", "focal", "tversky");
        List<String> sets = List.of("test", "scanner-b", "noisy", "very-noisy", "biased", "low-contrast", "blurred");
        List<Plots.Point> pts = new ArrayList<>();
        for (String o : objectives) for (String s : sets) for (int i = 0; i < 3; i++) pts.add(new Plots.Point(i, 0.1 * i, o, s));
        pts.add(new Plots.Point(Double.NaN, 0.5, "nan-only", "test")); // a group with no finite point has no entry
        List<Plots.LegendEntry> legend = Plots.scatterLegend(pts);
        assertThat(legend).hasSize(objectives.size() + sets.size());
        assertThat(legend.subList(0, 4)).extracting(Plots.LegendEntry::label).containsExactlyElementsOf(objectives);
        assertThat(legend.subList(4, 11)).extracting(Plots.LegendEntry::label).containsExactlyElementsOf(sets);
        assertThat(legend.subList(0, 4)).allMatch(e -> e.colour() != null);
        assertThat(legend.subList(4, 11)).allMatch(e -> e.colour() == null && e.marker() != null);
        assertThat(legend.subList(4, 11)).extracting(Plots.LegendEntry::marker).doesNotHaveDuplicates();
        // one marker group (the seed's protocol: one point per checkpoint): colours only
        assertThat(Plots.scatterLegend(List.of(new Plots.Point(0, 0, "dice", "checkpoint"), new Plots.Point(1, 1, "bce", "checkpoint")))).hasSize(2);
        BufferedImage img = Plots.scatterWithSharedLegend("t", "x", "y", pts, "run");
        assertThat(img.getWidth()).isGreaterThan(780);
    }

    @Test
    void smallMultiplesLayPanelsOutInRowsWithOneLegendBelow() {
        List<Plots.Panel> panels = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            Map<String, double[][]> series = new LinkedHashMap<>();
            series.put("test", new double[][] {{0, 10, 20}, {p, p + 1, p + 2}});
            series.put("noisy", new double[][] {{0, 10, 20}, {Double.NaN, Double.NaN, Double.NaN}}); // no values: left out of this panel
            panels.add(new Plots.Panel("panel " + p, "y", series));
        }
        panels.add(new Plots.Panel("empty", "y", Map.of()));
        BufferedImage img = Plots.smallMultiples("title", "training step", panels, 4, false);
        // 7 panels at 4 a row: 2 rows of 300 x 220 under a 28-pixel title, then the legend
        assertThat(img.getWidth()).isEqualTo(4 * 300);
        assertThat(img.getHeight()).isBetween(28 + 2 * 220 + 12, 28 + 2 * 220 + 60);
        assertThat(Plots.smallMultiples("t", "x", panels.subList(0, 2), 4, true).getWidth()).isEqualTo(2 * 300);
    }
}
