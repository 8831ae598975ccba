package dev.unetscope.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TorchScriptSidecar(
        String format,
        Outputs outputs,
        @JsonProperty("input_channels") int inputChannels,
        List<TapSpec> taps,
        @JsonProperty("size_divisor") int[] sizeDivisor,
        double[] spacing,
        String normalization,
        @JsonProperty("patch_size") int[] patchSize,
        String torch,
        String sha256,
        @JsonProperty("example_input") int[] exampleInput,
        JsonNode meta) {

    public static final String FORMAT = "unetscope-torchscript/1";

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
        if (!FORMAT.equals(format)) {
            throw new BadInputException(file, "format '" + format + "' is not " + FORMAT, "export with a matching exporter");
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
    }

    private static void checkAxes(Path file, String what, int[] v) {
        if (v == null || v.length != 3) throw new BadInputException(file, what + " needs 3 axes (D, H, W)", "export the network again");
        for (int x : v) if (x < 1) throw new BadInputException(file, what + " " + axes(v) + " has an axis below 1", "export the network again");
    }

    static String axes(int[] v) {
        return v[0] + "x" + v[1] + "x" + v[2];
    }
}
