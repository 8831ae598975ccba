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
    /**
     * 1 GiB; the system property {@code unetscope.setBudgetBytes} sets another (0 streams every set:
     * how the analysis's memory was shown flat in the number of cases, docs/ARCHITECTURE.md).
     */
    public static final long BUDGET_BYTES = Long.getLong("unetscope.setBudgetBytes", 1L << 30);

    private final Experiment exp;
    private final Map<String, ExperimentData.Query> queries;
    private final Map<String, PreparedSet> cache = new HashMap<>();
    private final boolean keep;
    private final Preprocessing prep;

    public QueryCache(Experiment exp, Map<String, ExperimentData.Query> queries) {
        this(exp, queries, ExperimentData.preprocessing(exp));
    }

    /** The query sets prepared with {@code prep} (a run's own preprocessing). */
    public QueryCache(Experiment exp, Map<String, ExperimentData.Query> queries, Preprocessing prep) {
        this.exp = exp;
        this.queries = queries;
        this.prep = prep;
        this.keep = estimateBytes() <= BUDGET_BYTES;
    }

    public synchronized PreparedSet get(String name) {
        if (!keep) return ExperimentData.query(exp, queries.get(name), true, prep);
        return cache.computeIfAbsent(name, k -> ExperimentData.query(exp, queries.get(k), false, prep));
    }

    /** Image and mask floats of every query set, from the case counts and the preprocessing's target shape. */
    private long estimateBytes() {
        int[] shape = prep.targetShape();
        long voxels = shape != null ? (long) shape[0] * shape[1] * shape[2] : 256L * 256 * 64;
        long cases = 0;
        for (ExperimentData.Query q : queries.values()) {
            cases += ExperimentData.info(exp, q).cases();
        }
        return cases * voxels * (4L * ExperimentData.inputChannels(exp) + 4L); // every channel and the mask
    }
}
