package dev.unetscope.data.phantom;

import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Named dataset-shift knobs. Every knob has a neutral value at which it does nothing. The phantom
 * generator applies all of them at generation; {@code dev.unetscope.data.ShiftTransforms} applies all
 * but gland_contrast to any image; both use the same primitives in {@link AppearanceOps}.
 *
 * <ul>
 *   <li>{@code noise} (neutral 1): Rician noise sigma multiplier. On a phantom the acquisition noise
 *       sigma is {@code noise} times the phantom's base sigma (0 gives a noiseless phantom). On a
 *       real image noise is only added: Rician noise with sigma {@code sqrt(noise^2 - 1)} times a
 *       reference sigma ({@link AppearanceOps#NOISE_REF} times the robust
 *       intensity scale), so the total noise is about {@code noise} times the reference; values
 *       at or below 1 add nothing.</li>
 *   <li>{@code bias} (neutral 1): bias field strength multiplier. On a phantom the smooth
 *       multiplicative field is {@code exp(bias * A * F)} with the case's own unit field F and base
 *       log-amplitude A ({@link AppearanceOps#BIAS_LOG_AMPLITUDE}); on a real
 *       image a seeded field {@code exp((bias - 1) * A * F)} is multiplied in.</li>
 *   <li>{@code gamma} (neutral 1): power applied to intensities normalised to [0, 1] by the robust
 *       range (minimum .. 99th percentile), mapped back to the same range.</li>
 *   <li>{@code blur} (neutral 0): extra Gaussian blur; the in-plane sigma is {@code blur} mm and each
 *       axis gets {@code blur * spacing_axis / min(in-plane spacing)} mm, so the slice direction
 *       blurs in proportion to the slice thickness (a lower-resolution, thicker-slice scanner).</li>
 *   <li>{@code scale} (neutral 1): intensity multiplier, applied last with offset.</li>
 *   <li>{@code offset} (neutral 0): added to intensities after scale.</li>
 *   <li>{@code gland_contrast} (neutral 1): phantom only; multiplies the gland's intrinsic
 *       difference from the surrounding tissue level (0 makes the gland the surround's level).
 *       Ignored by {@code dev.unetscope.data.ShiftTransforms} on real images.</li>
 * </ul>
 *
 * <p>Presets name settings of these knobs; each but {@code neutral} and {@code very-noisy} has a
 * severity ladder of five levels, written {@code PRESET@LEVEL} (e.g. {@code noisy@3}), whose table
 * is in {@link ShiftLadder}. A bare preset name keeps the setting it had before the ladders.
 */
public record Shift(double noise, double bias, double gamma, double blur, double scale, double offset,
                    double glandContrast) {

    public static final Shift NEUTRAL = new Shift(1, 1, 1, 0, 1, 0, 1);

    private static final List<String> NAMES =
            List.of("noise", "bias", "gamma", "blur", "scale", "offset", "gland_contrast");

    private static final Map<String, Shift> PRESETS = new LinkedHashMap<>();
    static {
        PRESETS.put("neutral", NEUTRAL);
        // a second hospital: noisier, stronger coil shading, other contrast curve, thicker-slice
        // blur, another intensity scale
        PRESETS.put("scanner-b", new Shift(2.5, 3.0, 0.7, 1.5, 1.8, 0, 1));
        PRESETS.put("noisy", NEUTRAL.with("noise", 2.0));
        PRESETS.put("very-noisy", NEUTRAL.with("noise", 3.0));
        PRESETS.put("biased", NEUTRAL.with("bias", 3.5));
        PRESETS.put("low-contrast", NEUTRAL.with("gland_contrast", 0.3));
        PRESETS.put("blurred", NEUTRAL.with("blur", 2.0));
        PRESETS.put("gamma", NEUTRAL.with("gamma", 0.6));
        PRESETS.put("rescaled", NEUTRAL.with("scale", 2.5).with("offset", 100));
    }

    public Shift {
        check("noise", noise, noise >= 0, ">= 0");
        check("bias", bias, bias >= 0, ">= 0");
        check("gamma", gamma, gamma > 0, "> 0");
        check("blur", blur, blur >= 0, ">= 0");
        check("scale", scale, scale > 0, "> 0");
        check("offset", offset, true, "finite");
        check("gland_contrast", glandContrast, glandContrast >= 0, ">= 0");
    }

    private static void check(String name, double v, boolean ok, String rule) {
        if (!Double.isFinite(v) || !ok) {
            throw new BadInputException("shift knob " + name + "=" + v + " is out of range",
                    name + " must be " + rule);
        }
    }

    /** The knob names, in a fixed order: noise, bias, gamma, blur, scale, offset, gland_contrast. */
    public static List<String> knobNames() {
        return NAMES;
    }

    /** The preset names, "neutral" first. */
    public static List<String> presetNames() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * A preset by name, bare ({@code noisy}) or at a severity level ({@code noisy@3}, see
     * {@link ShiftLadder}); throws {@link BadInputException} listing the valid names.
     */
    public static Shift preset(String name) {
        if (ShiftLadder.isLevelled(name)) return ShiftLadder.parse(name);
        Shift s = PRESETS.get(name == null ? "" : name.trim().toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new BadInputException("unknown shift preset '" + name + "'",
                    "valid presets: " + String.join(", ", PRESETS.keySet()) + ", each but neutral and very-noisy also as PRESET@LEVEL, level 1 to " + ShiftLadder.LEVELS);
        }
        return s;
    }

    /** Value of a knob by name. */
    public double get(String name) {
        return switch (canonical(name)) {
            case "noise" -> noise;
            case "bias" -> bias;
            case "gamma" -> gamma;
            case "blur" -> blur;
            case "scale" -> scale;
            case "offset" -> offset;
            default -> glandContrast;
        };
    }

    /** This shift with one knob changed. */
    public Shift with(String name, double v) {
        return switch (canonical(name)) {
            case "noise" -> new Shift(v, bias, gamma, blur, scale, offset, glandContrast);
            case "bias" -> new Shift(noise, v, gamma, blur, scale, offset, glandContrast);
            case "gamma" -> new Shift(noise, bias, v, blur, scale, offset, glandContrast);
            case "blur" -> new Shift(noise, bias, gamma, v, scale, offset, glandContrast);
            case "scale" -> new Shift(noise, bias, gamma, blur, v, offset, glandContrast);
            case "offset" -> new Shift(noise, bias, gamma, blur, scale, v, glandContrast);
            default -> new Shift(noise, bias, gamma, blur, scale, offset, v);
        };
    }

    private static String canonical(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        if (n.equals("glandcontrast")) n = "gland_contrast";
        if (!NAMES.contains(n)) {
            throw new BadInputException("unknown shift knob '" + name + "'",
                    "valid knobs: " + String.join(", ", NAMES));
        }
        return n;
    }

    /** One {@code NAME=VALUE} item applied to this shift. */
    public Shift withSpec(String item) {
        String s = item == null ? "" : item.trim();
        int eq = s.indexOf('=');
        if (eq <= 0) {
            throw new BadInputException("shift item '" + item + "' is not NAME=VALUE",
                    "valid knobs: " + String.join(", ", NAMES) + "; or a preset: " + String.join(", ", PRESETS.keySet()));
        }
        String name = s.substring(0, eq);
        String value = s.substring(eq + 1).trim();
        canonical(name);
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new BadInputException("shift knob " + name.trim() + " has value '" + value + "', not a number",
                    "write NAME=VALUE with a number; valid knobs: " + String.join(", ", NAMES));
        }
        return with(name, v);
    }

    /**
     * Parses a shift: comma-separated items, each a preset name (bare or {@code PRESET@LEVEL}) or {@code NAME=VALUE}, applied left
     * to right starting from neutral (so {@code "scanner-b,noise=3"} is scanner-b with more noise).
     * Blank means neutral. Throws {@link BadInputException} listing the valid names.
     */
    public static Shift parse(String spec) {
        Shift s = NEUTRAL;
        if (spec == null || spec.isBlank()) return s;
        for (String item : spec.split(",")) {
            String t = item.trim();
            if (t.isEmpty()) continue;
            s = t.contains("=") ? s.withSpec(t) : preset(t);
        }
        return s;
    }

    /** Parses several items (e.g. repeated command-line options), as {@link #parse(String)} joined by commas. */
    public static Shift parse(List<String> items) {
        return parse(items == null ? "" : String.join(",", items));
    }

    public boolean isNeutral() {
        return equals(NEUTRAL);
    }

    /** The same shift with gland_contrast neutral: the knobs that make sense on any image. */
    public Shift imageKnobsOnly() {
        return with("gland_contrast", 1);
    }

    /** Canonical text, {@code NAME=VALUE} for every non-neutral knob, or "neutral"; parse() reads it back. */
    public String toSpec() {
        List<String> parts = new ArrayList<>();
        for (String n : NAMES) {
            double v = get(n), d = NEUTRAL.get(n);
            if (Double.compare(v, d) != 0) parts.add(n + "=" + fmt(v));
        }
        return parts.isEmpty() ? "neutral" : String.join(",", parts);
    }

    /** Knob name to value, in knob order. */
    public Map<String, Double> asMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String n : NAMES) m.put(n, get(n));
        return Collections.unmodifiableMap(m);
    }

    private static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    @Override
    public String toString() {
        return "Shift[" + toSpec() + "]";
    }
}
