package dev.unetscope.pipeline;

import dev.unetscope.experiment.CheckpointId;

import java.util.List;

/** Everything the analysis computed for one checkpoint: its scores on each set, in the order the sets were named. */
public record CheckpointScores(CheckpointId checkpoint, String objective, int replicate, List<SetScores> sets) implements java.io.Serializable {

    public SetScores set(String name) {
        for (SetScores s : sets) if (s.set().equals(name)) return s;
        return null;
    }
}
