package dev.unetscope.analysis;

import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which checkpoint to deploy on a new cohort: the checkpoints ranked by predicted IoU, highest first,
 * each with its prediction interval. A checkpoint is <em>indistinguishable from the best</em> when its
 * interval overlaps the top-ranked one's (its upper end reaches the top's lower end): the predictor
 * cannot tell them apart. Checkpoints without a finite prediction are ranked last and never
 * indistinguishable.
 *
 * <p>{@link #agreement} checks the ranking where the truth is known: per labelled query set, is the
 * top pick the checkpoint with the highest true IoU (top-1 agreement; ties in true IoU count as
 * agreement), how much IoU is lost by deploying it instead of the best (regret = best IoU - IoU of the
 * pick), and is the truly best among those indistinguishable from the pick.
 */
public final class CheckpointRanking {
    private CheckpointRanking() {}

    /** One checkpoint's predicted IoU on a cohort, with its interval. */
    public record Candidate(String id, double predicted, double lo, double hi) {}

    /**
     * @param rank              1 for the highest prediction
     * @param indistinguishable its interval overlaps the top-ranked candidate's (true for the top itself)
     */
    public record Ranked(Candidate candidate, int rank, boolean indistinguishable) {}

    /** The candidates by descending prediction (stable: the first named wins a tie). */
    public static List<Ranked> rank(List<Candidate> candidates) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble((Candidate c) -> Double.isFinite(c.predicted()) ? -c.predicted() : Double.POSITIVE_INFINITY));
        List<Ranked> out = new ArrayList<>();
        Candidate top = sorted.isEmpty() ? null : sorted.get(0);
        for (int i = 0; i < sorted.size(); i++) {
            Candidate c = sorted.get(i);
            boolean finite = Double.isFinite(c.predicted()) && top != null && Double.isFinite(top.predicted());
            boolean same = finite && (i == 0 || c.hi() >= top.lo());
            out.add(new Ranked(c, i + 1, same));
        }
        return out;
    }

    /** One labelled cohort's candidates with their true IoU (aligned with {@code candidates}). */
    public record Labelled(String cohort, List<Candidate> candidates, double[] truth) {}

    /**
     * @param cohort               the held-out query set
     * @param checkpoints          candidates ranked
     * @param pick                 the top-ranked candidate
     * @param best                 the candidate with the highest true IoU
     * @param pickIoU              true IoU of the pick
     * @param bestIoU              the highest true IoU
     * @param top1                 the pick's IoU equals the best's
     * @param regret               bestIoU - pickIoU
     * @param bestIndistinguishable the truly best is among the candidates indistinguishable from the pick
     */
    public record Outcome(String cohort, int checkpoints, String pick, String best, double pickIoU, double bestIoU, boolean top1, double regret,
                          boolean bestIndistinguishable) {}

    /**
     * @param cohorts                    cohorts ranked (those with at least one finite prediction and truth)
     * @param top1                       share of cohorts whose top pick is the truly best
     * @param meanRegret                 mean IoU lost by deploying the pick
     * @param maxRegret                  the largest loss
     * @param bestIndistinguishable      share of cohorts whose truly best checkpoint is indistinguishable from the pick
     * @param outcomes                   one per cohort
     */
    public record Agreement(int cohorts, double top1, double meanRegret, double maxRegret, double bestIndistinguishable, List<Outcome> outcomes,
                            String reason) {}

    public static Agreement agreement(List<Labelled> cohorts) {
        List<Outcome> outcomes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Labelled l : cohorts) {
            if (l.truth().length != l.candidates().size()) {
                throw new BadInputException(l.truth().length + " true IoUs for " + l.candidates().size() + " checkpoints of " + l.cohort(),
                        "pass one IoU per checkpoint");
            }
            Map<String, Double> truth = new LinkedHashMap<>();
            List<Candidate> usable = new ArrayList<>();
            for (int i = 0; i < l.truth().length; i++) {
                Candidate c = l.candidates().get(i);
                if (!Double.isFinite(c.predicted()) || !Double.isFinite(l.truth()[i])) continue;
                usable.add(c);
                truth.put(c.id(), l.truth()[i]);
            }
            if (usable.isEmpty()) {
                skipped.add(l.cohort());
                continue;
            }
            List<Ranked> ranked = rank(usable);
            String pick = ranked.get(0).candidate().id(), best = null;
            double bestIoU = Double.NEGATIVE_INFINITY;
            for (Candidate c : usable) {
                if (truth.get(c.id()) > bestIoU) {
                    bestIoU = truth.get(c.id());
                    best = c.id();
                }
            }
            double pickIoU = truth.get(pick);
            boolean found = false;
            for (Ranked r : ranked) if (r.indistinguishable() && truth.get(r.candidate().id()) == bestIoU) found = true;
            outcomes.add(new Outcome(l.cohort(), usable.size(), pick, best, pickIoU, bestIoU, pickIoU == bestIoU, bestIoU - pickIoU, found));
        }
        String reason = skipped.isEmpty() ? "" : "no finite prediction and IoU for " + String.join(", ", skipped);
        if (outcomes.isEmpty()) return new Agreement(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, outcomes, reason.isEmpty() ? "no cohort" : reason);
        double top1 = 0, regret = 0, max = 0, within = 0;
        for (Outcome o : outcomes) {
            top1 += o.top1() ? 1 : 0;
            regret += o.regret();
            max = Math.max(max, o.regret());
            within += o.bestIndistinguishable() ? 1 : 0;
        }
        int n = outcomes.size();
        return new Agreement(n, top1 / n, regret / n, max, within / n, outcomes, reason);
    }
}
