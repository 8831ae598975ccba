package dev.unetscope.data;

import dev.unetscope.experiment.Experiment;

import java.util.HashMap;
import java.util.Map;

/**
 * Prepared query sets for a stage that visits every checkpoint: kept in memory while they all fit
 * in {@link #BUDGET_BYTES}, otherwise read again for each use, so memory never grows with the
 * number of cases beyond the budget.
 */
public final class QueryCache {
    public static final long BUDGET_BYTES = 1L << 30;

    private final Experiment exp;
    private final Map<String, ExperimentData.Query> queries;
    private final Map<String, PreparedSet> cache = new HashMap<>();
    private final boolean keep;

    public QueryCache(Experiment exp, Map<String, ExperimentData.Query> queries) {
        this.exp = exp;
        this.queries = queries;
        this.keep = estimateBytes() <= BUDGET_BYTES;
    }

    public synchronized PreparedSet get(String name) {
        if (!keep) return ExperimentData.query(exp, queries.get(name), true);
        return cache.computeIfAbsent(name, k -> ExperimentData.query(exp, queries.get(k)));
    }

    /** Image and mask floats of every query set, from the case counts and the preprocessing's target shape. */
    private long estimateBytes() {
        var shape = exp.section("preprocessing").path("targetShape");
        long voxels = shape.isArray() && shape.size() == 3 ? (long) shape.get(0).asInt() * shape.get(1).asInt() * shape.get(2).asInt() : 256L * 256 * 64;
        long cases = 0;
        for (ExperimentData.Query q : queries.values()) {
            cases += ExperimentData.info(exp, q).cases();
        }
        return cases * voxels * 8L;
    }
}
