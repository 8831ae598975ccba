package dev.unetscope.data.phantom;

import dev.unetscope.io.BadInputException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Severity ladders: for each shift preset, five levels of increasing harm (as the corruption
 * benchmarks for natural images grade theirs), each a fixed setting of the {@link Shift} knobs.
 * Level 0 is neutral (no change). On the command line and in query-set names a level is written
 * {@code PRESET@LEVEL}, e.g. {@code noisy@3}; the level is an integer from 1 to 5.
 *
 * <p>Each single-knob ladder is set from what its knob does physically, not from any measured IoU:
 * <table>
 *   <caption>knob settings per level</caption>
 *   <tr><th>preset</th><th>knob</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th><th>rule</th></tr>
 *   <tr><td>noisy</td><td>noise</td><td>1.5</td><td>2</td><td>3</td><td>4</td><td>6</td>
 *       <td>noise sigma about x1.5 per level: the phantom's fat SNR 18 falls to 12, 9, 6, 4.5, 3</td></tr>
 *   <tr><td>biased</td><td>bias</td><td>1.2</td><td>2.3</td><td>3.5</td><td>4.6</td><td>5.8</td>
 *       <td>the phantom's field exp(bias * 0.3 * F), max |F| = 1, has peak-to-trough ratio exp(0.6 bias)
 *       = about 2^level (2, 4, 8, 16, 32)</td></tr>
 *   <tr><td>blurred</td><td>blur (mm)</td><td>1</td><td>1.4</td><td>2</td><td>2.8</td><td>4</td>
 *       <td>in-plane sigma doubles every two levels (FWHM 2.4 to 9.4 mm); thicker through slices</td></tr>
 *   <tr><td>low-contrast</td><td>gland_contrast</td><td>0.7</td><td>0.5</td><td>0.3</td><td>0.15</td><td>0.05</td>
 *       <td>30, 50, 70, 85, 95 % of the gland's own contrast removed (phantoms only)</td></tr>
 *   <tr><td>gamma</td><td>gamma</td><td>0.85</td><td>0.7</td><td>0.6</td><td>0.5</td><td>0.4</td>
 *       <td>steeper compression of the bright range, about x0.85 per level</td></tr>
 *   <tr><td>rescaled</td><td>scale, offset</td><td>1.5, 0</td><td>2, 50</td><td>2.5, 100</td><td>3, 150</td><td>3.5, 200</td>
 *       <td>scale +0.5 and offset +50 per level (the z-scoring in preprocessing largely undoes it)</td></tr>
 *   <tr><td>scanner-b</td><td>noise, bias, gamma, blur, scale</td><td colspan="5">every one of these knobs at the
 *       same level of its own ladder above (scale from rescaled, offset kept 0)</td><td>a second hospital
 *       that differs in everything at once</td></tr>
 * </table>
 *
 * <p>The bare preset names keep the settings they had before the ladders: {@code noisy} is
 * {@code noisy@2}; {@code very-noisy} is {@code noisy@3} (it has no ladder of its own: write
 * {@code noisy@LEVEL}); {@code biased}, {@code blurred}, {@code low-contrast}, {@code gamma} and
 * {@code rescaled} are level 3 of theirs; {@code scanner-b} keeps its own setting (noise 2.5, bias
 * 3, gamma 0.7, blur 1.5, scale 1.8): its noise, bias and blur lie between its levels 2 and 3, its
 * gamma is level 2's, its scale lies between levels 1 and 2. {@code neutral} has no levels.
 *
 * <p>Every level of a ladder is at least as far from neutral as the one below on every knob it
 * moves, in the knob's harmful direction (noise, bias, blur up; gland_contrast and gamma down;
 * scale and offset away from 1 and 0).
 */
public final class ShiftLadder {
    /** The highest level; levels run from 1 to this. */
    public static final int LEVELS = 5;
    /** The separator between a preset's name and its level, as in {@code noisy@3}. */
    public static final char SEPARATOR = '@';

    private static final Map<String, List<Shift>> LADDERS = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = Map.of("very-noisy", "noisy@3");

    static {
        Shift n = Shift.NEUTRAL;
        double[] noise = {1.5, 2, 3, 4, 6};
        double[] bias = {1.2, 2.3, 3.5, 4.6, 5.8};
        double[] blur = {1, 1.4, 2, 2.8, 4};
        double[] contrast = {0.7, 0.5, 0.3, 0.15, 0.05};
        double[] gamma = {0.85, 0.7, 0.6, 0.5, 0.4};
        double[] scale = {1.5, 2, 2.5, 3, 3.5};
        double[] offset = {0, 50, 100, 150, 200};
        LADDERS.put("scanner-b", levels(i -> new Shift(noise[i], bias[i], gamma[i], blur[i], scale[i], 0, 1)));
        LADDERS.put("noisy", levels(i -> n.with("noise", noise[i])));
        LADDERS.put("biased", levels(i -> n.with("bias", bias[i])));
        LADDERS.put("low-contrast", levels(i -> n.with("gland_contrast", contrast[i])));
        LADDERS.put("blurred", levels(i -> n.with("blur", blur[i])));
        LADDERS.put("gamma", levels(i -> n.with("gamma", gamma[i])));
        LADDERS.put("rescaled", levels(i -> n.with("scale", scale[i]).with("offset", offset[i])));
    }

    private ShiftLadder() {}

    private interface Level {
        Shift at(int index);
    }

    private static List<Shift> levels(Level f) {
        Shift[] s = new Shift[LEVELS];
        for (int i = 0; i < LEVELS; i++) s[i] = f.at(i);
        return List.of(s);
    }

    /** The presets that have a ladder, in a fixed order. */
    public static List<String> presets() {
        return List.copyOf(LADDERS.keySet());
    }

    /** The knob setting of {@code preset} at {@code level} (0 is neutral, 1 to {@link #LEVELS}). */
    public static Shift at(String preset, int level) {
        String p = preset == null ? "" : preset.trim().toLowerCase(Locale.ROOT);
        if (ALIASES.containsKey(p)) {
            throw new BadInputException("shift preset '" + p + "' has no ladder of its own (it is " + ALIASES.get(p) + ")",
                    "write noisy" + SEPARATOR + "LEVEL with a level from 1 to " + LEVELS);
        }
        List<Shift> ladder = LADDERS.get(p);
        if (ladder == null) {
            throw new BadInputException("shift preset '" + preset + "' has no severity ladder",
                    "presets with levels 1 to " + LEVELS + ": " + String.join(", ", LADDERS.keySet()));
        }
        if (level < 0 || level > LEVELS) {
            throw new BadInputException("shift level " + level + " of " + p + " is out of range",
                    "write " + p + SEPARATOR + "LEVEL with a level from 1 to " + LEVELS);
        }
        return level == 0 ? Shift.NEUTRAL : ladder.get(level - 1);
    }

    /** The name of a preset at a level, e.g. {@code noisy@3}: the form {@link #parse(String)} reads. */
    public static String name(String preset, int level) {
        at(preset, level);
        return preset + SEPARATOR + level;
    }

    /** Whether {@code item} is written as {@code PRESET@LEVEL} (valid or not). */
    public static boolean isLevelled(String item) {
        return item != null && item.indexOf(SEPARATOR) >= 0;
    }

    /**
     * Reads {@code PRESET@LEVEL}, e.g. {@code noisy@3}, into its knob setting. An unknown preset, a
     * level that is not an integer from 1 to {@link #LEVELS}, or a preset without a ladder throws
     * {@link BadInputException} saying what to write.
     */
    public static Shift parse(String item) {
        String s = item == null ? "" : item.trim().toLowerCase(Locale.ROOT);
        int at = s.indexOf(SEPARATOR);
        if (at < 0) throw new BadInputException("shift '" + item + "' has no level", "write PRESET" + SEPARATOR + "LEVEL, e.g. noisy@3");
        String preset = s.substring(0, at).trim(), level = s.substring(at + 1).trim();
        if (!LADDERS.containsKey(preset) && !ALIASES.containsKey(preset)) {
            throw new BadInputException("unknown shift preset '" + preset + "' in '" + item.trim() + "'",
                    "presets with levels 1 to " + LEVELS + ": " + String.join(", ", LADDERS.keySet()));
        }
        int k;
        try {
            k = Integer.parseInt(level);
        } catch (NumberFormatException e) {
            throw new BadInputException("shift level '" + level + "' in '" + item.trim() + "' is not a whole number",
                    "write " + preset + SEPARATOR + "LEVEL with a level from 1 to " + LEVELS);
        }
        if (k < 1) {
            throw new BadInputException("shift level " + k + " in '" + item.trim() + "' is out of range",
                    "levels run from 1 to " + LEVELS + " (level 0 is no shift: write neutral)");
        }
        return at(preset, k);
    }
}
