package dev.unetscope.experiment;

import dev.unetscope.io.BadInputException;

/**
 * One checkpoint of an experiment: a training run's name and the step it was saved at. Written
 * {@code RUN:STEP} on the command line and in keys; tables keep run and step in their own columns.
 */
public record CheckpointId(String run, int step) implements Comparable<CheckpointId>, java.io.Serializable {

    public CheckpointId {
        if (run == null || run.isEmpty()) throw new IllegalArgumentException("a checkpoint needs a run name");
    }

    /** Parses {@code RUN:STEP}. */
    public static CheckpointId parse(String text) {
        int colon = text.lastIndexOf(':');
        try {
            return new CheckpointId(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new BadInputException("'" + text + "' is not a checkpoint", "write RUN:STEP, e.g. dice:100");
        }
    }

    /** The checkpoint of a table row with {@code run} and {@code step} columns. */
    public static CheckpointId of(java.util.Map<String, String> row) {
        return new CheckpointId(row.get("run"), Integer.parseInt(row.get("step")));
    }

    /** Order of the results tables: by run name, then by step as a number. */
    @Override
    public int compareTo(CheckpointId o) {
        int c = run.compareTo(o.run);
        return c != 0 ? c : Integer.compare(step, o.step);
    }

    @Override
    public String toString() {
        return run + ":" + step;
    }
}
