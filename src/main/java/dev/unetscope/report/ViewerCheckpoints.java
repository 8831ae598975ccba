package dev.unetscope.report;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which checkpoints the interactive viewer draws ({@code report --viewer-checkpoints SPEC}): each drawn
 * checkpoint costs its training features, a forward pass per shown case and its overlays on disk, so the
 * viewer chooses rather than drawing every checkpoint of a seed-scale experiment.
 * <ul>
 * <li>{@code trajectory} (the default): each run's final checkpoint, then {@link #TRAJECTORY_POINTS} evenly spaced
 * points along each run (first, middle) while the viewer's volumes stay within {@link #BUDGET_BYTES};</li>
 * <li>{@code final}: each run's final checkpoint;</li>
 * <li>{@code all}: every checkpoint of every run (no budget: asked for);</li>
 * <li>{@code RUN:STEP,...} (or {@code RUN} for its final one): exactly those (no budget).</li>
 * </ul>
 *
 * @param always       drawn whatever they cost, in this order
 * @param whileBudget  drawn after them, in this order, each only while the volumes written so far plus one more checkpoint
 *                     (estimated as the largest so far) stay within the budget
 */
public record ViewerCheckpoints(String spec, List<CheckpointRef> always, List<CheckpointRef> whileBudget) {
    public static final String DEFAULT = "trajectory";
    /** Points per run the default spreads along training (first, middle, final). */
    public static final int TRAJECTORY_POINTS = 3;
    /** What the default's further checkpoints may bring the viewer's volumes (report/viewer/volumes/) to. */
    public static final long BUDGET_BYTES = 40_000_000L;

    /** The spec resolved against the experiment's runs; an unknown run or step is refused in one line (nothing is written). */
    public static ViewerCheckpoints resolve(Experiment exp, String spec) {
        String s = spec == null ? DEFAULT : spec.strip();
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        List<CheckpointRef> finals = new ArrayList<>();
        for (CheckpointStore.Manifest m : runs) if (!m.checkpoints().isEmpty()) finals.add(CheckpointRef.last(exp, m));
        switch (s) {
            case "final":
                return new ViewerCheckpoints(s, finals, List.of());
            case "all":
                return new ViewerCheckpoints(s, CheckpointRef.all(exp), List.of());
            case DEFAULT: {
                // further points: the middle of every run before the first of any, so a small budget still spans the runs
                List<CheckpointRef> more = new ArrayList<>();
                for (int point = TRAJECTORY_POINTS - 2; point >= 0; point--) {
                    for (CheckpointStore.Manifest m : runs) {
                        int n = m.checkpoints().size();
                        int i = (int) Math.round(point * (n - 1) / (double) (TRAJECTORY_POINTS - 1));
                        CheckpointRef r = CheckpointRef.of(exp, m, m.checkpoints().get(i));
                        if (i < n - 1 && more.stream().noneMatch(x -> x.id().equals(r.id()))) more.add(r);
                    }
                }
                return new ViewerCheckpoints(s, finals, List.copyOf(more));
            }
            default:
                if (s.isEmpty()) throw bad(spec);
                Set<String> seen = new LinkedHashSet<>();
                List<CheckpointRef> listed = new ArrayList<>();
                for (String id : s.split(",")) {
                    if (id.isBlank()) throw bad(spec);
                    CheckpointRef r = CheckpointRef.resolve(exp, id.strip()); // unknown run or step: one line naming it, exit 2
                    if (seen.add(r.id().toString())) listed.add(r);
                }
                return new ViewerCheckpoints(s, List.copyOf(listed), List.of());
        }
    }

    private static BadInputException bad(String spec) {
        return new BadInputException("--viewer-checkpoints '" + spec + "' names no checkpoint",
                "give trajectory, final, all, or RUN:STEP,... (e.g. dice:500,bce:1000)");
    }

    /** Every checkpoint the spec may draw, in drawing order. */
    public List<CheckpointRef> planned() {
        List<CheckpointRef> l = new ArrayList<>(always);
        l.addAll(whileBudget);
        return l;
    }
}
