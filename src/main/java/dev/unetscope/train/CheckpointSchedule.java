package dev.unetscope.train;

import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The training steps at which checkpoints are saved: K steps spread over the run, denser early
 * where IoU changes fastest. Step k of K sits at {@code total * (k/K)^2} (rounded, at least one
 * step apart), so the last checkpoint is always the final step.
 */
public final class CheckpointSchedule {
    private CheckpointSchedule() {}

    public static List<Integer> steps(int totalSteps, int k) {
        if (k < 1) throw new BadInputException("--checkpoints " + k + " must be at least 1", "give the number of checkpoints per run");
        if (totalSteps < k) {
            throw new BadInputException("--steps " + totalSteps + " is fewer than --checkpoints " + k, "train longer or save fewer checkpoints");
        }
        TreeSet<Integer> s = new TreeSet<>();
        int prev = 0;
        for (int i = 1; i <= k; i++) {
            double f = (double) i / k;
            int step = (int) Math.round(totalSteps * f * f);
            // keep each checkpoint at least one step after the one before and leave room for the rest
            step = Math.max(step, prev + 1);
            step = Math.min(step, totalSteps - (k - i));
            s.add(step);
            prev = step;
        }
        return new ArrayList<>(s);
    }
}
