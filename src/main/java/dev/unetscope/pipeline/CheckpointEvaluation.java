package dev.unetscope.pipeline;

import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.model.Divergence;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.BatchInference;
import dev.unetscope.train.CheckpointRef;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One checkpoint's ground truth on the labelled query sets: per case IoU and Dice ({@link Overlap}'s
 * threshold rule) and their means per set, with the validation IoU (measured here when training did
 * not record one, as for an imported checkpoint), and the reason a diverged checkpoint's values are NaN
 * ({@code diverged: ...}, empty otherwise). Plain values, computed wherever the checkpoint is
 * (one process, a shard, a cluster task) and written by {@link ResultsStore#putEvaluation}.
 */
public record CheckpointEvaluation(CheckpointId checkpoint, String objective, int replicate, double epoch, double valIoU,
                                   List<ResultsStore.CaseOverlap> cases, List<ResultsStore.SetOverlap> sets, String reason) {

    public CheckpointEvaluation {
        cases = List.copyOf(cases);
        sets = List.copyOf(sets);
        reason = reason == null ? "" : reason;
    }

    /**
     * Evaluates checkpoint {@code ref} on the named (labelled) query sets, in that order; {@code sets}
     * must give them prepared as the checkpoint's own preprocessing says ({@link CheckpointRef#preprocessing}).
     */
    public static CheckpointEvaluation of(Experiment exp, CheckpointRef ref, List<String> queries, Function<String, PreparedSet> sets) {
        return of(ref, queries, sets, () -> dev.unetscope.data.ExperimentData.split(exp, AnalyzeService.VALIDATION, ref.preprocessing(exp)));
    }

    /** As above; {@code validation} gives the validation split prepared the checkpoint's way (read only when its IoU is measured here). */
    public static CheckpointEvaluation of(CheckpointRef ref, List<String> queries, Function<String, PreparedSet> sets,
                                          java.util.function.Supplier<PreparedSet> validation) {
        List<ResultsStore.CaseOverlap> cases = new ArrayList<>();
        List<ResultsStore.SetOverlap> means = new ArrayList<>();
        double valIoU = ref.entry().valIoU();
        String diverged;
        try (SegmentationNetwork net = ref.open()) {
            diverged = net.divergence();
            boolean[] finite = {true};
            // an imported checkpoint has no validation IoU from training: measure it here (the seed protocol's labelled reference)
            if (Double.isNaN(valIoU) && diverged == null) valIoU = EvaluateService.validationIoU(validation.get(), net);
            for (String q : queries) {
                PreparedSet set = sets.apply(q);
                double[] sum = new double[2];
                BatchInference.run(net, set, BatchInference.DEFAULT_BATCH, Set.of(), (i, p, t) -> {
                    finite[0] &= Divergence.finite(p);
                    Overlap.Counts c = Overlap.countsAt(p, set.masks().get(i), 0, p.length);
                    cases.add(new ResultsStore.CaseOverlap(q, set.ids().get(i), c.iou(), c.dice(), c.predicted(), c.truth()));
                    sum[0] += c.iou();
                    sum[1] += c.dice();
                });
                means.add(new ResultsStore.SetOverlap(q, set.size(), sum[0] / set.size(), sum[1] / set.size()));
            }
            if (diverged == null && !finite[0]) diverged = Divergence.ofOutputs("probabilities");
        }
        if (diverged != null) {
            // a thresholded NaN is an empty mask, whose IoU (0, or 1 on an empty truth) would pass for a measurement
            cases.replaceAll(c -> new ResultsStore.CaseOverlap(c.query(), c.caseId(), Double.NaN, Double.NaN, c.predicted(), c.truth()));
            means.replaceAll(t -> new ResultsStore.SetOverlap(t.query(), t.cases(), Double.NaN, Double.NaN));
            if (ref.manifest().train() == null) valIoU = Double.NaN;
        }
        return new CheckpointEvaluation(ref.id(), ref.manifest().objective(), ref.manifest().replicate(), ref.entry().epoch(), valIoU, cases, means,
                diverged);
    }
}
