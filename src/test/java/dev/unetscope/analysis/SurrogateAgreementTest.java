package dev.unetscope.analysis;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.ResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * results/jacobian_roughness.csv: per layer and combined, the three pairs' coefficients over the
 * (checkpoint, query set) pairs with IoU, equal to {@link Correlation} on the same columns; the
 * validation split's rows (no IoU) left out; nothing written without the tables.
 */
class SurrogateAgreementTest {
    @TempDir
    Path dir;

    @Test
    void theTableHoldsEachPairsCorrelationPerLayerAndCombined() {
        Random r = new Random(4);
        CsvTable ck = new CsvTable(List.of("run", "objective", "replicate", "step", "query", "iou", "roughness", "jacobian"));
        CsvTable layers = new CsvTable(List.of("run", "objective", "replicate", "step", "query", "layer", "roughness", "jacobian"));
        List<double[]> enc1 = new ArrayList<>(), combined = new ArrayList<>();
        for (int step = 1; step <= 6; step++) {
            for (String q : List.of("test", "noisy", "val")) {
                double iou = r.nextDouble(), j1 = r.nextDouble(), j2 = r.nextDouble(), r1 = j1 + 0.3 * r.nextGaussian(), r2 = r.nextDouble();
                if (!q.equals("val")) {
                    ck.add(List.of("dice", "dice", 0, step, q, iou, (r1 + r2) / 2, (j1 + j2) / 2));
                    enc1.add(new double[] {r1, j1, iou});
                    combined.add(new double[] {(r1 + r2) / 2, (j1 + j2) / 2, iou});
                }
                layers.add(List.of("dice", "dice", 0, step, q, "enc1", r1, j1));
                layers.add(List.of("dice", "dice", 0, step, q, "enc2", r2, j2));
            }
        }
        assertThat(SurrogateAgreement.write(dir, new Correlation(200, 1, 0.95))).isNull();
        ck.write(dir.resolve(ResultFiles.CHECKPOINTS_CSV));
        layers.write(dir.resolve(ResultFiles.LAYERS_CSV));
        CsvTable t = SurrogateAgreement.write(dir, new Correlation(200, 1, 0.95));
        assertThat(Files.isRegularFile(dir.resolve(ResultFiles.JACOBIAN_ROUGHNESS_CSV))).isTrue();
        assertThat(SurrogateAgreement.layers(t)).containsExactly("enc1", "enc2", "combined");
        check(t, "enc1", enc1);
        check(t, "combined", combined);
    }

    private static void check(CsvTable t, String layer, List<double[]> pts) {
        double[] rough = pts.stream().mapToDouble(p -> p[0]).toArray(), jac = pts.stream().mapToDouble(p -> p[1]).toArray(),
                iou = pts.stream().mapToDouble(p -> p[2]).toArray();
        Map<String, double[][]> pairs = Map.of("roughness~jacobian", new double[][] {rough, jac}, "roughness~iou", new double[][] {rough, iou},
                "jacobian~iou", new double[][] {jac, iou});
        for (var e : pairs.entrySet()) {
            Map<String, String> p = t.records().stream().filter(x -> x.get("layer").equals(layer) && x.get("pair").equals(e.getKey())
                    && x.get("scope").equals("all") && x.get("method").equals("pearson")).findFirst().orElseThrow();
            assertThat(Integer.parseInt(p.get("n"))).isEqualTo(12);
            assertThat(Double.parseDouble(p.get("value"))).as(layer + " " + e.getKey())
                    .isCloseTo(Correlation.pearson(e.getValue()[0], e.getValue()[1]).value(), within(1e-12));
            Map<String, String> s = t.records().stream().filter(x -> x.get("layer").equals(layer) && x.get("pair").equals(e.getKey())
                    && x.get("method").equals("spearman")).findFirst().orElseThrow();
            assertThat(Double.parseDouble(s.get("value"))).isCloseTo(Correlation.spearman(e.getValue()[0], e.getValue()[1]).value(), within(1e-12));
        }
        assertThat(t.records()).anyMatch(x -> x.get("layer").equals(layer) && x.get("scope").equals("within-checkpoint"));
    }
}
