package dev.unetscope.model;

import dev.unetscope.ReferencePython;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TorchScript checkpoints made by Debian's PyTorch with {@code reference/torchscript_fixtures.py}:
 * {@code monai-1..3} (MONAI's topology, 8-16-32, strides 2-2, sigmoid), {@code nnunet-1..3} (a plain
 * conv UNet with first downsampling (1, 2, 2), softmax over 2 channels), {@code odd} and {@code big}
 * (faulty taps), with eager PyTorch's probabilities and taps for {@code x.npy} (2 x 1 x 8 x 32 x 32).
 */
public final class TorchScriptFixtures {
    private TorchScriptFixtures() {}

    private static Path shared;

    /**
     * The fixtures made once per test JVM (in a temporary folder removed at exit); callers must not
     * change them (copy a file first to alter it).
     */
    public static synchronized Path shared() throws IOException, InterruptedException {
        if (shared == null) {
            Path dir = Files.createTempDirectory("unetscope-torchscript-fixtures");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary folder left behind
                }
            }));
            shared = make(dir);
        }
        return shared;
    }

    /** Writes the fixtures into {@code dir} and returns it. */
    public static Path make(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        ReferencePython.run(dir, "torchscript_fixtures.py", dir.toString(), "numpy and torch (python3-torch)", 300, "monai_unet.py");
        return dir;
    }

    /** A float32 .npy (little endian, C order) with its shape. */
    public record Array(int[] shape, float[] values) {}

    public static Array readNpy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int major = b[6];
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort(8)) : buf.getInt(8);
        int start = major == 1 ? 10 : 12;
        String header = new String(b, start, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True")) throw new IOException(file + ": not a C-order float32 .npy: " + header);
        Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
        if (!m.find()) throw new IOException(file + ": no shape in " + header);
        int[] shape = Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        buf.position(start + headerLen);
        buf.asFloatBuffer().get(v);
        return new Array(shape, v);
    }
}
