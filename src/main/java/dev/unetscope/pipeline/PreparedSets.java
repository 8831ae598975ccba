package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.QueryCache;
import dev.unetscope.data.SetBudget;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.CheckpointRef;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * An experiment's splits and query sets as each run needs them: prepared once per preprocessing, so
 * every run prepared the experiment's way shares one copy and a run with its own preprocessing (an
 * imported model's spacing and normalisation) gets its own. Cases keep their ids, so the tables of
 * every run are keyed the same. Every set, of every kind and preprocessing, is held from one
 * {@link SetBudget} (first come, first held; the rest read case by case), so the sets' memory is
 * bounded for any number of cases.
 */
final class PreparedSets {
    private final Experiment exp;
    private final Map<String, ExperimentData.Query> queries;
    private final Map<Preprocessing, QueryCache> caches = new HashMap<>();
    private final Map<Preprocessing, Map<String, PreparedSet>> splits = new HashMap<>();
    private final Map<CheckpointRef, Preprocessing> preps = new HashMap<>();
    private final SetBudget budget;

    PreparedSets(Experiment exp, Map<String, ExperimentData.Query> queries) {
        this(exp, queries, SetBudget.ofDefault());
    }

    PreparedSets(Experiment exp, Map<String, ExperimentData.Query> queries, SetBudget budget) {
        this.exp = exp;
        this.queries = queries;
        this.budget = budget;
    }

    /** The checkpoint's preprocessing (its sidecar is read once). */
    synchronized Preprocessing of(CheckpointRef ref) {
        return preps.computeIfAbsent(ref, r -> r.preprocessing(exp));
    }

    /** A split (train, val, test) prepared with {@code p}, held while the budget allows. */
    synchronized PreparedSet split(Preprocessing p, String split) {
        return splits.computeIfAbsent(p, k -> new HashMap<>()).computeIfAbsent(split, s -> ExperimentData.split(exp, s, p, budget));
    }

    /** A query set prepared with {@code p} (held when it fits what is left of the budget at its first use, see {@link QueryCache}). */
    PreparedSet query(Preprocessing p, String name) {
        QueryCache c;
        synchronized (this) {
            c = caches.computeIfAbsent(p, k -> new QueryCache(exp, queries, k, budget));
        }
        return c.get(name);
    }

    /** The sets one checkpoint is scored on: the validation split by its name, else a query set. */
    Function<String, PreparedSet> sets(CheckpointRef ref) {
        Preprocessing p = of(ref);
        return n -> n.equals(AnalyzeService.VALIDATION) ? split(p, n) : query(p, n);
    }
}
