package dev.unetscope.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/**
 * A diverged checkpoint: training blew up and left NaN or Inf in its weights, or its outputs are not
 * finite. Such a checkpoint is not an error that stops a run: every table records it with a reason
 * that starts with {@value #PREFIX}, its scores NaN, and the report names it.
 */
public final class Divergence {
    /** How every diverged row's reason starts. */
    public static final String PREFIX = "diverged";

    private Divergence() {}

    /** The reason when some parameter of {@code block} is not finite, else null. */
    public static String ofParameters(Block block) {
        long bad = 0, total = 0;
        String first = null;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().isInitialized()) continue;
            NDArray a = p.getValue().getArray();
            long n = a.size();
            long finite = a.isInfinite().logicalOr(a.isNaN()).logicalNot().countNonzero().getLong();
            total += n;
            if (finite < n) {
                bad += n - finite;
                if (first == null) first = p.getKey();
            }
        }
        return bad == 0 ? null : PREFIX + ": " + bad + " of " + total + " weights are NaN or Inf (first in " + first + ")";
    }

    /** True when every value is finite. */
    public static boolean finite(float[] values) {
        for (float v : values) if (!Float.isFinite(v)) return false;
        return true;
    }

    /** The reason for a network whose weights look finite but whose outputs are not. */
    public static String ofOutputs(String what) {
        return PREFIX + ": the network's " + what + " hold NaN or Inf";
    }

    /** True when a table's reason cell marks a diverged checkpoint. */
    public static boolean is(String reason) {
        return reason != null && reason.startsWith(PREFIX);
    }
}
