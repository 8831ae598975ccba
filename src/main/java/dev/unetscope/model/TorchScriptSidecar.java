package dev.unetscope.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.data.Normalization;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The JSON file beside an exported TorchScript network ({@code NAME.json} beside {@code NAME.pt}):
 * what its {@code forward(x)} returns and how its input was prepared. {@code forward} returns the
 * tuple {@code (output, tap_1, ..., tap_n)}; {@code taps} lists the taps in that order with their
 * channels and per-axis stride (D, H, W).
 *
 * <p>How the model's input was prepared: {@code spacing} (x, y, z mm, positive), {@code normalization}
 * and {@code patch_size} (D, H, W of the training patches, multiples of {@code size_divisor}), each
 * null when not recorded. Format 2 writes {@code normalization} as an object
 * {@code {"name": ..., "low", "high", "mean", "std"}} ({@link Normalization}: the numbers for {@code ct}
 * and {@code window}); format 1 wrote a name ({@code zscore-otsu}, {@code zscore-nonzero}, {@code zscore}
 * or {@code none}) and is still read. {@link #preprocessing} turns them into a run's own preprocessing.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TorchScriptSidecar(
        String format,
        Outputs outputs,
        @JsonProperty("input_channels") int inputChannels,
        List<TapSpec> taps,
        @JsonProperty("size_divisor") int[] sizeDivisor,
        double[] spacing,
        JsonNode normalization,
        @JsonProperty("patch_size") int[] patchSize,
        String torch,
        String sha256,
        @JsonProperty("example_input") int[] exampleInput,
        JsonNode meta) {

    /** The format the exporter writes now. */
    public static final String FORMAT = "unetscope-torchscript/2";
    /** The first format (normalisation as a bare name), still read. */
    public static final String FORMAT_1 = "unetscope-torchscript/1";

    /** Output channels, sigmoid or softmax, and which channels are the foreground. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Outputs(int channels, String activation, int[] foreground) {}

    /** One tap: its name, the module it was hooked on, its channels and its per-axis stride. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TapSpec(String name, String module, int channels, int[] stride) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    /** The sidecar of {@code pt}: the same name with {@code .json}. */
    public static Path beside(Path pt) {
        String name = pt.getFileName().toString();
        String stem = name.endsWith(".pt") ? name.substring(0, name.length() - 3) : name;
        return pt.resolveSibling(stem + ".json");
    }

    /** Reads and checks a sidecar; any fault is one line naming the file. */
    public static TorchScriptSidecar read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "the sidecar is missing", "export the network with the exporter, which writes NAME.json beside NAME.pt");
        }
        TorchScriptSidecar s;
        try {
            s = JSON.readValue(file.toFile(), TorchScriptSidecar.class);
        } catch (IOException e) {
            throw new BadInputException(file, "not a readable sidecar: " + e.getMessage().split("\n")[0], "export the network again");
        }
        s.check(file);
        return s;
    }

    private void check(Path file) {
        String hint = "export the network again";
        if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
            throw new BadInputException(file, "format '" + format + "' is neither " + FORMAT + " nor " + FORMAT_1, "export with a matching exporter");
        }
        if (outputs == null || outputs.channels() < 1) throw new BadInputException(file, "outputs.channels is missing or below 1", hint);
        if (!"sigmoid".equals(outputs.activation()) && !"softmax".equals(outputs.activation())) {
            throw new BadInputException(file, "outputs.activation '" + outputs.activation() + "' is neither sigmoid nor softmax", hint);
        }
        int[] fg = outputs.foreground();
        if (fg == null || fg.length == 0) throw new BadInputException(file, "outputs.foreground names no channel", hint);
        for (int c : fg) {
            if (c < 0 || c >= outputs.channels()) {
                throw new BadInputException(file, "outputs.foreground channel " + c + " is outside 0.." + (outputs.channels() - 1), hint);
            }
        }
        if ("sigmoid".equals(outputs.activation()) && fg.length != 1) {
            throw new BadInputException(file, "a sigmoid output needs exactly one foreground channel, not " + fg.length, hint);
        }
        if (inputChannels < 1) throw new BadInputException(file, "input_channels is missing or below 1", hint);
        if (taps == null || taps.isEmpty()) throw new BadInputException(file, "lists no taps", "export with at least one tap");
        checkAxes(file, "size_divisor", sizeDivisor);
        Set<String> names = new HashSet<>();
        for (TapSpec t : taps) {
            if (t.name() == null || !t.name().matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new BadInputException(file, "tap name '" + t.name() + "' is not a plain name", "use letters, digits, '.', '_' and '-'");
            }
            if (t.name().equals("image")) throw new BadInputException(file, "tap name 'image' is reserved for the input", "rename the tap");
            if (!names.add(t.name())) throw new BadInputException(file, "tap '" + t.name() + "' is listed twice", hint);
            if (t.channels() < 1) throw new BadInputException(file, "tap '" + t.name() + "' has no channels", hint);
            checkAxes(file, "tap '" + t.name() + "' stride", t.stride());
            for (int a = 0; a < 3; a++) {
                if (sizeDivisor[a] % t.stride()[a] != 0) {
                    throw new BadInputException(file, "size_divisor " + axes(sizeDivisor) + " is not a multiple of tap '" + t.name()
                            + "' stride " + axes(t.stride()), hint);
                }
            }
        }
        intensityNormalization(file);
        if (spacing != null) {
            if (spacing.length != 3) throw new BadInputException(file, "spacing needs 3 values (x, y, z in mm)", hint);
            for (double v : spacing) {
                if (!(v > 0) || !Double.isFinite(v)) {
                    throw new BadInputException(file, "spacing " + java.util.Arrays.toString(spacing) + " is not three positive numbers (x, y, z in mm)",
                            "export again with --spacing as the model was trained, e.g. 0.6,0.6,3");
                }
            }
        }
        if (patchSize != null) {
            checkAxes(file, "patch_size", patchSize);
            for (int a = 0; a < 3; a++) {
                if (patchSize[a] % sizeDivisor[a] != 0) {
                    throw new BadInputException(file, "patch_size " + axes(patchSize) + " is not a multiple of the size divisor " + axes(sizeDivisor),
                            "export again with a patch size the network accepts");
                }
            }
        }
    }

    /**
     * The normalisation the model was trained with, or null when the sidecar records none (the
     * experiment's own is used then). An unknown name or missing numbers are one line naming the file.
     */
    public Normalization intensityNormalization() {
        return intensityNormalization(null);
    }

    private Normalization intensityNormalization(Path file) {
        List<Normalization> each = channelNormalizations(file);
        return each == null ? null : each.get(0);
    }

    /**
     * The normalisation of each input channel, as the model was trained (every channel normalised on
     * its own): the one scheme repeated when the sidecar records one, each channel's when it records a
     * list (one per input channel); null when it records none.
     */
    public List<Normalization> channelNormalizations() {
        return channelNormalizations(null);
    }

    /** Whether the sidecar records a different normalisation for some input channel. */
    public boolean perChannelNormalization() {
        List<Normalization> each = channelNormalizations();
        return each != null && each.stream().distinct().count() > 1;
    }

    private List<Normalization> channelNormalizations(Path file) {
        if (normalization == null || normalization.isNull() || normalization.isMissingNode()) return null;
        if (!normalization.isArray()) return java.util.Collections.nCopies(Math.max(1, inputChannels), one(normalization, file));
        Path f = file == null ? Path.of("sidecar") : file;
        if (normalization.size() != inputChannels) {
            throw new BadInputException(f, "normalization lists " + normalization.size() + " schemes for " + inputChannels + " input channel(s)",
                    "export again with one normalisation per input channel, or one for all");
        }
        List<Normalization> out = new java.util.ArrayList<>();
        for (JsonNode n : normalization) {
            if (n == null || n.isNull()) throw new BadInputException(f, "normalization lists null for an input channel", "export again");
            out.add(one(n, file));
        }
        return List.copyOf(out);
    }

    private Normalization one(JsonNode normalization, Path file) {
        try {
            if (normalization.isTextual()) {
                String name = normalization.asText();
                if (FORMAT_1.equals(format) && !V1_NAMES.contains(name)) {
                    throw new BadInputException("normalization '" + name + "' is not one of format 1's " + String.join(", ", V1_NAMES), "export again");
                }
                return Normalization.named(name);
            }
            if (!normalization.isObject() || !normalization.path("name").isTextual()) {
                throw new BadInputException("normalization is neither a name nor an object with a name", "export again");
            }
            return new Normalization(normalization.path("name").asText(), number(normalization, "low"), number(normalization, "high"), number(normalization, "mean"), number(normalization, "std"));
        } catch (BadInputException e) {
            Path f = file == null ? Path.of("sidecar") : file;
            throw new BadInputException(f, e.getMessage(), null, e);
        }
    }

    private static final List<String> V1_NAMES = List.of("zscore-otsu", "zscore-nonzero", "zscore", "none");

    private static Double number(JsonNode normalization, String field) {
        JsonNode n = normalization.path(field);
        return n.isNumber() ? n.asDouble() : null;
    }

    /**
     * The run's own preprocessing: the experiment's ({@code experiment}) with the sidecar's
     * normalisation where it records one. Where the sidecar records the model's spacing, each scan is
     * resampled to it and kept whole (no target shape: the model takes any size, and the network pads each
     * scan to its size divisor and crops the outputs back); otherwise the experiment's spacing and shape.
     */
    public dev.unetscope.data.Preprocessing preprocessing(dev.unetscope.data.Preprocessing experiment) {
        Normalization n = intensityNormalization();
        if (n == null || n.equals(experiment.normalizationOrDefault())) n = experiment.normalization();
        dev.unetscope.data.Preprocessing p = spacing == null ? experiment.with(experiment.targetSpacing(), experiment.targetShape(), n)
                : experiment.with(spacing.clone(), null, n);
        return perChannelNormalization() ? p.withChannelNormalizations(channelNormalizations()) : p;
    }

    private static void checkAxes(Path file, String what, int[] v) {
        if (v == null || v.length != 3) throw new BadInputException(file, what + " needs 3 axes (D, H, W)", "export the network again");
        for (int x : v) if (x < 1) throw new BadInputException(file, what + " " + axes(v) + " has an axis below 1", "export the network again");
    }

    static String axes(int[] v) {
        return v[0] + "x" + v[1] + "x" + v[2];
    }
}
