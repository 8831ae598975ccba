package dev.unetscope.analysis;

import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.SetKey;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The set-level IoU predictor with and without the new scores (results/predictor_comparison.csv): the same
 * ridge regression and validation as the default predictor ({@link RidgePredictor}, leave-one-objective-out
 * and leave-one-query-set-out, with the conformal interval's coverage), fitted on three input sets:
 * <ul>
 *   <li>{@link Variant#SEED}: the seed's scores alone (confidence, roughness, roughness_reverse, and c_l and
 *       roughness_l of every layer);
 *   <li>{@link Variant#FIRST_RELEASE}: the seed's and the first release's predictor inputs: today's default
 *       predictor (predictor.json), which this class never writes;
 *   <li>{@link Variant#ALL}: every label-free set-level score in the registry, new ones included, and the same
 *       per-layer c_l and roughness_l (the variants differ only in their set-level inputs).
 * </ul>
 *
 * <p>Undefined values (gland confidence and the foreground entropies with nothing predicted, replicate agreement
 * without replicates) are handled two ways, each a row set of its own: {@code all} rows with the predictor's own
 * rule (an input with any non-finite value among a fold's training rows is dropped from that fold), and
 * {@code complete} rows: the inputs of {@link Variant#ALL} that are undefined on every row are dropped first,
 * then only the rows where every remaining input is finite are kept, and all three variants are fitted on those
 * same rows, so their errors compare on one footing. {@code dropped} names the inputs the fit on every row of
 * the row set leaves out (non-finite or constant there; a fold may drop more).
 */
public final class PredictorComparison {
    private PredictorComparison() {}

    /** An input set of the predictor. */
    public enum Variant {
        SEED("seed"), FIRST_RELEASE("seed+first-release"), ALL("all-label-free");

        private final String label;

        Variant(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** The variant's set-level inputs, in registry order. */
        public List<String> setInputs() {
            List<Score> in = switch (this) {
                case SEED -> Scores.predictorInputs().stream().filter(s -> ScoreFamily.of(s) == ScoreFamily.SEED).toList();
                case FIRST_RELEASE -> Scores.predictorInputs().stream().filter(s -> ScoreFamily.of(s) != ScoreFamily.NEW).toList();
                case ALL -> Scores.at(Score.Level.SET).stream().filter(Score::labelFree).toList();
            };
            return Scores.names(in);
        }
    }

    /** Row sets: every analysed row under the predictor's column rule, or the rows where every input is defined. */
    public static final String ALL_ROWS = "all", COMPLETE_ROWS = "complete";

    public static final List<String> COLUMNS = List.of("variant", "rows", "scheme", "n", "folds", "mae", "nominal", "coverage", "mean_half_width",
            "inputs", "used", "set_inputs", "dropped", "reason");

    /**
     * @param rows       the analysed rows of checkpoints.csv (with {@code iou}, {@code objective}, {@code query})
     * @param perLayer   per-layer inputs by (checkpoint, set), as the study reads them from layers.csv
     * @param layerNames the layers, in layers.csv order
     */
    public static CsvTable table(List<Map<String, String>> rows, Map<SetKey, Map<String, Double>> perLayer, List<String> layerNames) {
        CsvTable out = new CsvTable(COLUMNS);
        double[] y = GeneralizationStudy.column(rows, "iou");
        List<String> allInputs = GeneralizationStudy.inputs(Variant.ALL.setInputs(), layerNames);
        double[][] xAll = GeneralizationStudy.features(rows, Variant.ALL.setInputs(), layerNames, perLayer).values().toArray(new double[0][]);
        // complete rows: inputs undefined everywhere left out, then rows with every other input finite (and a finite IoU)
        boolean[] somewhere = new boolean[allInputs.size()];
        for (double[] x : xAll) for (int j = 0; j < x.length; j++) somewhere[j] |= Double.isFinite(x[j]);
        List<Integer> complete = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            boolean ok = Double.isFinite(y[i]);
            for (int j = 0; j < somewhere.length && ok; j++) ok = !somewhere[j] || Double.isFinite(xAll[i][j]);
            if (ok) complete.add(i);
        }
        List<String> never = new ArrayList<>();
        for (int j = 0; j < somewhere.length; j++) if (!somewhere[j]) never.add(allInputs.get(j));

        RidgePredictor ridge = new RidgePredictor();
        for (String rowSet : List.of(ALL_ROWS, COMPLETE_ROWS)) {
            List<Map<String, String>> rs = rowSet.equals(ALL_ROWS) ? rows : complete.stream().map(rows::get).toList();
            double[] ys = GeneralizationStudy.column(rs, "iou");
            for (Variant v : Variant.values()) {
                List<String> setInputs = new ArrayList<>(v.setInputs());
                if (rowSet.equals(COMPLETE_ROWS)) setInputs.removeAll(never);
                List<String> inputs = GeneralizationStudy.inputs(setInputs, layerNames);
                double[][] x = GeneralizationStudy.features(rs, setInputs, layerNames, perLayer).values().toArray(new double[0][]);
                String dropped = "";
                int used = 0;
                String note = rowSet.equals(COMPLETE_ROWS) ? rs.size() + " of " + rows.size() + " rows with every input defined"
                        + (never.isEmpty() ? "" : "; left out, undefined on every row: " + String.join(" ", never)) : "";
                if (rs.size() >= 3) {
                    RidgeModel full = ridge.fit(x, ys);
                    boolean[] kept = new boolean[inputs.size()];
                    for (int k : full.keptColumns()) kept[k] = true;
                    List<String> d = new ArrayList<>();
                    for (int j = 0; j < kept.length; j++) if (!kept[j]) d.add(inputs.get(j));
                    dropped = String.join(" ", d);
                    used = full.keptColumns().length;
                }
                for (String scheme : GeneralizationStudy.SCHEMES) {
                    Map<String, Integer> ids = new LinkedHashMap<>();
                    int[] g = GeneralizationStudy.groupIds(rs, scheme, ids);
                    RidgePredictor.CrossValidation cv = ids.size() < 2
                            ? new RidgePredictor.CrossValidation(rs.size(), ids.size(), Double.NaN, Double.NaN, Double.NaN, ridge.level(), null, null, null,
                                    "leave-one-" + scheme + "-out needs at least 2 " + scheme + "s, found " + ids.size())
                            : ridge.crossValidate(x, ys, g);
                    String reason = String.join("; ", Arrays.stream(new String[] {note, cv.reason() == null ? "" : cv.reason()})
                            .filter(t -> !t.isEmpty()).toList());
                    out.add(List.of(v.label(), rowSet, "leave-one-" + scheme + "-out", cv.n(), cv.folds(), cv.mae(), cv.level(), cv.coverage(),
                            cv.meanHalfWidth(), inputs.size(), used, String.join(" ", setInputs), dropped, reason));
                }
            }
        }
        return out;
    }
}
