package dev.unetscope.experiment;

import java.util.Map;

/** One case (scan) as one checkpoint saw it in one set: the unit a per-case score or IoU describes. */
public record CaseKey(SetKey set, String caseId) {

    /** The key of a table row with {@code run}, {@code step}, {@code query} and {@code case} columns. */
    public static CaseKey of(Map<String, String> row) {
        return new CaseKey(SetKey.of(row), row.get("case"));
    }
}
