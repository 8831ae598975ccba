package dev.unetscope.pipeline;

import dev.unetscope.experiment.CheckpointId;

import java.io.Serializable;
import java.util.List;

/** Everything the evaluation measured for one checkpoint: its rows of results/cases.csv and results/checkpoints.csv. */
public record CheckpointOverlaps(CheckpointId checkpoint, String objective, int replicate, double epoch, double valIoU,
                                 List<ResultsStore.CaseOverlap> cases, List<ResultsStore.SetOverlap> sets) implements Serializable {}
