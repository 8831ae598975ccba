package dev.unetscope.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data an experiment names in {@code experiment.json}: the labelled dataset ({@code data}),
 * its preprocessing, its split, and the query sets ({@code queries}: name to a dataset path and,
 * optionally, a split of it). Paths are relative to the experiment folder unless absolute.
 */
public final class ExperimentData {
    private ExperimentData() {}

    /** A named query set: a dataset folder and, optionally, which split of it. */
    public record Query(String name, Path path, String split) {}

    public static Preprocessing preprocessing(Experiment e) {
        JsonNode n = e.section("preprocessing");
        if (n.isMissingNode()) throw new BadInputException(e.root(), "experiment.json has no preprocessing section", "run 'unetscope demo' (or the data stage) first");
        try {
            return new ObjectMapper().treeToValue(n, Preprocessing.class);
        } catch (Exception ex) {
            throw new BadInputException(e.root().resolve(Experiment.CONFIG), "preprocessing section is invalid: " + ex.getMessage().split("\n")[0], "repair experiment.json");
        }
    }

    public static Dataset dataset(Experiment e) {
        JsonNode n = e.section("data");
        if (n.isMissingNode()) throw new BadInputException(e.root(), "experiment.json has no data section", "run 'unetscope demo' (or the data stage) first");
        return open(e, n);
    }

    private static Dataset open(Experiment e, JsonNode n) {
        Path p = resolve(e, n.path("path").asText());
        int channel = n.path("channel").asInt(0);
        LabelMerge labels = LabelMerge.parse(n.path("labels").asText("all"));
        return Dataset.open(p, channel, labels, false);
    }

    public static Path resolve(Experiment e, String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : e.root().resolve(p);
    }

    /**
     * The cases of one split of the experiment's dataset, prepared: held in memory while the split fits
     * a {@link SetBudget} of its own (1 GiB of image and mask floats), otherwise read case by case when
     * visited, so no stage's memory grows with the number of cases beyond the budget.
     */
    public static PreparedSet split(Experiment e, String split) {
        return split(e, split, preprocessing(e));
    }

    /** The cases of one split, prepared with {@code prep} (a run's own preprocessing), with a budget of its own ({@link SetBudget#SPLIT_BYTES}). */
    public static PreparedSet split(Experiment e, String split, Preprocessing prep) {
        return split(e, split, prep, new SetBudget(SetBudget.SPLIT_BYTES));
    }

    /** Held in memory when the split's prepared floats fit what is left of {@code budget} (taken from it), else read case by case. */
    public static PreparedSet split(Experiment e, String split, Preprocessing prep, SetBudget budget) {
        Splits s = Splits.read(e);
        List<String> ids = s.get(split);
        Dataset ds = dataset(e);
        // without a target shape the cases' sizes are unknown before reading them: held, as before
        boolean hold = prep.targetShape() == null || budget.claim(SetBudget.bytes(ids.size(), prep, ds.inputChannels()));
        return hold ? PreparedSet.load(split, ds, ids, prep) : PreparedSet.stream(split, ds, ids, prep);
    }

    public static Map<String, Query> queries(Experiment e) {
        Map<String, Query> out = new LinkedHashMap<>();
        JsonNode q = e.section("queries");
        if (q.isMissingNode() || q.isEmpty()) {
            out.put("test", new Query("test", resolve(e, e.section("data").path("path").asText()), "test"));
            return out;
        }
        q.fields().forEachRemaining(f -> out.put(f.getKey(), new Query(f.getKey(), resolve(e, f.getValue().path("path").asText()),
                f.getValue().path("split").isMissingNode() ? null : f.getValue().path("split").asText())));
        return out;
    }

    /** A query set, prepared with the experiment's preprocessing, held in memory. */
    public static PreparedSet query(Experiment e, Query q) {
        return query(e, q, false);
    }

    /** A query set; {@code streamed} reads each case when it is visited instead of holding the set. */
    public static PreparedSet query(Experiment e, Query q, boolean streamed) {
        return query(e, q, streamed, preprocessing(e));
    }

    /** A query set prepared with {@code prep} (a run's own preprocessing). */
    public static PreparedSet query(Experiment e, Query q, boolean streamed, Preprocessing prep) {
        Dataset ds = queryDataset(e, q);
        List<String> only = q.split() == null ? null : Splits.read(e).get(q.split());
        return streamed ? PreparedSet.stream(q.name(), ds, only, prep) : PreparedSet.load(q.name(), ds, only, prep);
    }

    /**
     * A query set's dataset, labelled or not ({@link Dataset#openQuery}); a split of the experiment's
     * dataset is labelled. Lists the files only; refuses a missing or empty folder in one line.
     */
    public static Dataset queryDataset(Experiment e, Query q) {
        if (q.split() != null) return dataset(e);
        return Dataset.openQuery(q.path(), e.section("data").path("channel").asInt(0), LabelMerge.parse(e.section("data").path("labels").asText("all")),
                inputChannels(e));
    }

    /** Input channels of the experiment's cases (1 unless its dataset holds channel files). */
    public static int inputChannels(Experiment e) {
        return dataset(e).inputChannels();
    }

    /** What the report and evaluate say about a query set: its case count and whether it has masks. */
    public record QueryInfo(String name, int cases, boolean labelled) {}

    public static QueryInfo info(Experiment e, Query q) {
        if (q.split() != null) return new QueryInfo(q.name(), Splits.read(e).get(q.split()).size(), true);
        Dataset ds = queryDataset(e, q);
        return new QueryInfo(q.name(), ds.size(), ds.labelled());
    }

    /** One split, read case by case when visited. */
    public static PreparedSet streamSplit(Experiment e, String split) {
        return streamSplit(e, split, preprocessing(e));
    }

    /** One split prepared with {@code prep}, read case by case when visited. */
    public static PreparedSet streamSplit(Experiment e, String split, Preprocessing prep) {
        return PreparedSet.stream(split, dataset(e), Splits.read(e).get(split), prep);
    }
}
