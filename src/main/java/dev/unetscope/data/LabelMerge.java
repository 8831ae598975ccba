package dev.unetscope.data;

import dev.unetscope.io.BadInputException;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which label values count as gland. The Decathlon prostate labels are 1 (peripheral zone) and 2
 * (transition zone); the whole gland is their union, so the default is "every label above 0".
 */
public record LabelMerge(Set<Integer> values) {
    public static final LabelMerge ALL_POSITIVE = new LabelMerge(Set.of());

    public boolean isGland(float v) {
        if (Float.isNaN(v)) return false;
        if (values.isEmpty()) return v > 0.5f;
        return values.contains(Math.round(v));
    }

    /** "all" or a comma list such as "1,2". */
    public static LabelMerge parse(String s) {
        if (s == null || s.isBlank() || s.equalsIgnoreCase("all")) return ALL_POSITIVE;
        Set<Integer> vals = new TreeSet<>();
        for (String part : s.split(",")) {
            try {
                vals.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new BadInputException("label values '" + s + "' are not a comma list of integers", "use e.g. --labels 1,2 or --labels all");
            }
        }
        return new LabelMerge(vals);
    }

    @Override
    public String toString() {
        return values.isEmpty() ? "all" : String.join(",", values.stream().map(String::valueOf).toList());
    }

    public int[] asArray() {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMerge m && m.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(asArray());
    }
}
