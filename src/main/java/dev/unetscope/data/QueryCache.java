package dev.unetscope.data;

import dev.unetscope.experiment.Experiment;

import java.util.HashMap;
import java.util.Map;

/**
 * Prepared query sets for a stage that visits every checkpoint: each is kept in memory when it fits
 * what is left of the stage's {@link SetBudget} at its first use, otherwise read again for each use,
 * so memory never grows with the number of cases beyond the budget.
 */
public final class QueryCache {
    private final Experiment exp;
    private final Map<String, ExperimentData.Query> queries;
    private final Map<String, PreparedSet> cache = new HashMap<>();
    private final Map<String, Boolean> held = new HashMap<>();
    private final SetBudget budget;
    private final Preprocessing prep;

    /** The query sets prepared with {@code prep} (a run's own preprocessing), held while {@code budget} allows. */
    public QueryCache(Experiment exp, Map<String, ExperimentData.Query> queries, Preprocessing prep, SetBudget budget) {
        this.exp = exp;
        this.queries = queries;
        this.prep = prep;
        this.budget = budget;
    }

    public synchronized PreparedSet get(String name) {
        ExperimentData.Query q = queries.get(name);
        boolean keep = held.computeIfAbsent(name, k -> budget.claim(SetBudget.bytes(ExperimentData.info(exp, q).cases(), prep, ExperimentData.inputChannels(exp))));
        if (!keep) return ExperimentData.query(exp, q, true, prep);
        return cache.computeIfAbsent(name, k -> ExperimentData.query(exp, q, false, prep));
    }
}
