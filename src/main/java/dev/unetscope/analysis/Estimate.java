package dev.unetscope.analysis;

/**
 * One correlation estimate with its bootstrap interval and p-value.
 *
 * @param method "pearson", "spearman" or "kendall"; with the suffix "_within" from
 *     {@link Correlation#withinGroup}
 * @param n pairs used (after dropping NaN pairs, and singleton groups for within-group estimates)
 * @param value the coefficient; NaN when undefined (then {@code reason} says why)
 * @param lo lower end of the percentile bootstrap interval (NaN when not computed or undefined)
 * @param hi upper end of the percentile bootstrap interval
 * @param p two-sided p-value for "no association" (conventions in {@link Correlation})
 * @param reason empty when nothing was dropped or undefined; otherwise one line saying what was
 *     dropped and, when {@code value} is NaN, why it is undefined
 */
public record Estimate(String method, int n, double value, double lo, double hi, double p, String reason) {
    /** True when the coefficient itself is defined (the interval may still be NaN). */
    public boolean defined() {
        return !Double.isNaN(value);
    }
}
