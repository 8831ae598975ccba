package dev.unetscope.cli;

import dev.unetscope.data.phantom.Shift;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The dataset-shift flags shared by {@code synth} and {@code shift}: a preset, then single knobs on top of it. */
final class ShiftOptions {
    @Option(names = "--shift-preset", paramLabel = "NAME",
            description = "Start from a named shift: ${COMPLETION-CANDIDATES}; or one at a severity level 1 to 5, PRESET@LEVEL, e.g. noisy@3.", completionCandidates = PresetNames.class)
    String preset;

    @Option(names = "--shift", paramLabel = "NAME=VALUE",
            description = "Set one knob (noise, bias, gamma, blur, scale, offset, gland_contrast); repeatable. Applied after the preset.")
    List<String> knobs = new ArrayList<>();

    Shift resolve() {
        Shift s = preset == null ? Shift.NEUTRAL : Shift.preset(preset);
        for (String k : knobs) s = s.withSpec(k);
        return s;
    }

    static final class PresetNames extends ArrayList<String> {
        PresetNames() {
            super(Shift.presetNames());
        }
    }
}
