package dev.unetscope.experiment;

import java.util.Map;

/** One checkpoint on one set of scans (a query set, or the validation split): the unit a set-level score describes. */
public record SetKey(CheckpointId checkpoint, String set) {

    /** The key of a table row with {@code run}, {@code step} and {@code query} columns. */
    public static SetKey of(Map<String, String> row) {
        return new SetKey(CheckpointId.of(row), row.get("query"));
    }

    @Override
    public String toString() {
        return checkpoint + ":" + set;
    }
}
